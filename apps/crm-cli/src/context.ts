import { randomUUID } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  existsSync,
  fchmodSync,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { ReadStore } from '@crm/shared/read-model';
import {
  type AppConfig,
  ConfigError,
  type EventStoreUse,
  loadConfig,
  openEventStore,
  openReadStore,
  type OpenedEventStore,
} from '@crm/platform';
import { UsageError, type OptionSpecs, type ParsedArgs } from './args';
import type { ProgressOutput } from './progress';

export interface Output extends ProgressOutput {
  write(text: string): boolean;
  once(event: 'drain' | 'error', listener: (error?: Error) => void): unknown;
  removeListener(event: 'drain' | 'error', listener: (error?: Error) => void): unknown;
}

/** What a command sees of the process, so tests can run commands in-process. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM). */
  readonly interrupted: Promise<void>;
}

export interface Command<S extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Help text after the usage line and before the options. */
  readonly details: string;
  readonly options: S;
  run(args: ParsedArgs<S>, io: CliIo): Promise<number>;
}

export function defineCommand<S extends OptionSpecs>(command: Command<S>): Command<S> {
  return command;
}

export function configOf(io: Pick<CliIo, 'env'>): AppConfig {
  try {
    return loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export interface Stores {
  readonly config: AppConfig;
  readonly events: OpenedEventStore;
  /** Opened on first use: reading a stream needs no read store. */
  readStore(): Promise<ReadStore>;
  close(): Promise<void>;
}

/**
 * The stores the environment names, as the API and the projector open them.
 * An embedded store that does not exist yet is an error (a typo in
 * CRM_DATA_DIR should not leave an empty database behind), unless `create`.
 */
export interface StoresOptions {
  readonly create?: boolean;
  readonly eventStoreUse?: EventStoreUse;
}

export async function openStores(io: Pick<CliIo, 'env'>, options: StoresOptions = {}): Promise<Stores> {
  const config = configOf(io);
  if (config.eventStore === 'memory')
    throw new UsageError('CRM_EVENT_STORE=memory keeps nothing between processes: point the CLI at sqlite or postgres');
  const file = join(config.dataDir, 'crm.sqlite');
  if (config.eventStore === 'sqlite' && !options.create && !existsSync(file)) {
    throw new UsageError(`no event store at ${file} (set CRM_DATA_DIR to the directory holding crm.sqlite)`);
  }
  // The same for PostgreSQL: opening would make the schema, so a typo in CRM_POSTGRES_SCHEMA read as an empty store.
  if (config.eventStore === 'postgres' && !options.create && !(await postgresSchemaExists(config))) {
    throw new UsageError(
      `no event store in schema ${config.postgresSchema} of ${redactedUrl(config.postgresUrl as string)} (set CRM_POSTGRES_SCHEMA)`,
    );
  }
  // A key-encryption key that is malformed or not the store's is configuration too (exit 2), as a bad setting is.
  const events = await openEventStore(config, process.env, options.eventStoreUse).catch((error: unknown) => {
    throw error instanceof ConfigError ? new UsageError(error.message) : error;
  });
  let readStore: Promise<ReadStore> | undefined;
  return {
    config,
    events,
    readStore: () => (readStore ??= openReadStore(config, events)),
    async close() {
      // The SQLite read store shares the event store's connection: it goes first.
      if (readStore) await (await readStore).close();
      await events.close();
    },
  };
}

export async function withStores<T>(io: Pick<CliIo, 'env'>, work: (stores: Stores) => Promise<T>, options?: StoresOptions): Promise<T> {
  const stores = await openStores(io, options);
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

/** Writes respecting backpressure, so a 100k-event export never buffers in memory; a write error rejects. */
export function writeOut(output: Output, text: string): Promise<void> {
  if (output.write(text)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      output.removeListener('drain', settle);
      output.removeListener('error', settle);
      if (error) reject(error);
      else resolve();
    };
    output.once('drain', settle);
    output.once('error', settle);
  });
}

/**
 * Opens a file for what may be personal data in the clear: created readable by its owner alone (0600), and never
 * over an existing file unless `overwrite` (then truncated, and made 0600 too). Refusing an existing file, and a
 * link in its place, is a usage error naming it.
 */
function openPrivateFile(path: string, { overwrite = false }: { readonly overwrite?: boolean } = {}): number {
  let fd: number;
  try {
    fd = openSync(path, overwrite ? 'w' : 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UsageError(`${path} already exists: pass --force to overwrite it, or choose another file`);
    throw error;
  }
  try {
    // The mode given to open applies to a file it creates; one overwritten keeps its own, unless changed here.
    if (fstatSync(fd).isFile()) fchmodSync(fd, 0o600);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

export interface FileOutput {
  readonly output: Output;
  close(): Promise<void>;
  /** Gives up the file: what was written goes, and the path is as it was. */
  abort(): Promise<void>;
}

/**
 * A file to write to, checked now so a bad path fails before any work, with its write errors surfacing on close. A
 * regular file is written under a name of its own beside it (`<path>.partial-<uuid>`) and renamed into place once
 * whole: no part of an output can pass for the whole (an outside audit found a failed export's lines, whole lines with
 * no mark, which `verify --against` would have taken for an export), nor stand in place of the file `--force` was to
 * replace. Anything else given (a device, a pipe) is written as it is.
 */
export function openFileOutput(given: string, options: { readonly overwrite?: boolean } = {}): FileOutput {
  const existing = lstatSync(given, { throwIfNoEntry: false });
  if (statSync(given, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${given} is a directory: give a file`);
  if (existing && !options.overwrite) throw new UsageError(`${given} already exists: pass --force to overwrite it, or choose another file`);
  // A link to a regular file (with --force) is the file it names: written beside it and renamed onto it.
  const path = existing?.isSymbolicLink() && statSync(given, { throwIfNoEntry: false })?.isFile() ? realpathSync(given) : given;
  const direct = existing !== undefined && !statSync(path, { throwIfNoEntry: false })?.isFile();
  const written = direct ? path : `${path}.partial-${randomUUID()}`;
  // The user's path in the message, not the name written under (`<path>.partial-<uuid>`), which the user never gave.
  if (!existing) refuseMissingParent(given);
  let fd: number;
  try {
    fd = openPrivateFile(written, { overwrite: direct });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const problem = PATH_PROBLEMS[code];
    if (problem !== undefined) throw new UsageError(`cannot write ${given}: ${problem}`);
    throw error;
  }
  const stream = createWriteStream('', { fd });
  let failure: Error | undefined;
  stream.on('error', (error) => (failure ??= error));
  const closed = () => new Promise<void>((resolve) => (stream.closed ? resolve() : stream.destroy().once('close', () => resolve())));
  return {
    output: stream,
    async close() {
      if (!failure) await new Promise<void>((resolve) => stream.end(resolve));
      if (failure) {
        await closed();
        if (!direct) rmSync(written, { force: true });
        throw failure;
      }
      if (direct) return;
      if (options.overwrite) renameSync(written, path);
      else {
        // Not over a file made meanwhile: a link fails if the name is taken. A file system without hard links gets the
        // rename, after a last look.
        try {
          linkSync(written, path);
          rmSync(written, { force: true });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? '';
          if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code) || existsSync(path)) {
            rmSync(written, { force: true });
            throw error;
          }
          renameSync(written, path);
        }
      }
    },
    async abort() {
      await closed();
      if (!direct) rmSync(written, { force: true });
    },
  };
}

/** Why a path cannot be written to, when it is the path's fault (exit 2): the errors a wrong path gives. */
const PATH_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};

/** A new file or directory is made in an existing directory only: a typo in its parent is a usage error naming it. */
export function refuseMissingParent(given: string): void {
  const parent = dirname(given);
  const stat = statSync(parent, { throwIfNoEntry: false });
  if (stat === undefined) throw new UsageError(`no such directory ${parent}`);
  if (!stat.isDirectory()) throw new UsageError(`${parent} is not a directory`);
}

/**
 * Where writing to `path` would land: every link on the way followed, a link to a file not there yet included (writing
 * through it would make that file), and the parts that do not exist yet kept as given under their real parent.
 */
export function realDestination(path: string): string {
  let current = resolve(path);
  try {
    for (let hops = 0; hops < 40; hops += 1) {
      const stat = lstatSync(current, { throwIfNoEntry: false });
      if (stat?.isSymbolicLink()) {
        current = resolve(dirname(current), readlinkSync(current));
        continue;
      }
      if (stat) return realpathSync(current);
      const parent = dirname(current);
      return parent === current ? current : join(realDestination(parent), basename(current));
    }
  } catch {
    // A path that cannot be looked at (a part not a directory, no permission) fails when written to, naming itself.
  }
  return current;
}

/**
 * Refuses (a usage error) a path a command would write to that is in the data directory, or one of the secrets the
 * configuration names outside it, once links are followed: an export or a backup there would overwrite the event log
 * it reads (an outside tester's `export --out <data>/crm.sqlite --force` left a log that no longer opened), its
 * read models or its keys. The data directory counts whatever the event store: on PostgreSQL it still holds the
 * key-encryption key and the server's secrets.
 */
export function refuseDataPath(given: string, option: string, config: AppConfig, env: NodeJS.ProcessEnv): void {
  const where = realDestination(given);
  const dataDir = realDestination(config.dataDir);
  const inside = where === dataDir || where.startsWith(dataDir.endsWith(sep) ? dataDir : `${dataDir}${sep}`);
  if (inside || underDirectory(given, config.dataDir)) {
    const what = where === dataDir ? 'is the data directory' : 'is in the data directory';
    throw new UsageError(`${option} ${given} ${what} ${config.dataDir} (the event log, its keys and secrets): choose a path outside it`);
  }
  const secrets: readonly (readonly [string | undefined, string])[] = [
    [env['CRM_KEK_FILE'] || undefined, 'the key-encryption key (CRM_KEK_FILE)'],
    [config.auth.secretFile, 'the auth secret (CRM_AUTH_SECRET_FILE)'],
    [config.auth.bootstrapKeyFile, 'the bootstrap admin key (CRM_BOOTSTRAP_KEY_FILE)'],
  ];
  for (const [file, what] of secrets) {
    if (file !== undefined && (realDestination(file) === where || sameFile(given, file)))
      throw new UsageError(`${option} ${given} is ${what}: choose another path`);
  }
}

const identity = (path: string) => {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
};

const sameFile = (a: string, b: string) => {
  const first = identity(a);
  return first !== undefined && first === identity(b);
};

/**
 * Whether `given`, as the kernel walks it, is `dir` or under it, judged by device and inode, not by text: `x/../data`
 * after a link `x`, a case-insensitive file system (`DATA` for `data`) and a bind mount of the data directory all
 * passed a comparison of paths as strings (a review). The nearest existing path on the way is taken as written (the
 * kernel resolves its links and `..`), then its real ancestors are compared with `dir`.
 */
function underDirectory(given: string, dir: string): boolean {
  const target = identity(dir);
  if (target === undefined) return false;
  let existing = given;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) return false;
    existing = parent;
  }
  try {
    // The native realpath(3): Node's own resolves `..` as text before it follows any link.
    for (let current = realpathSync.native(existing); ; current = dirname(current)) {
      if (identity(current) === target) return true;
      if (dirname(current) === current) return false;
    }
  } catch {
    return false; // a path that cannot be looked at fails when written to, naming itself
  }
}

async function postgresSchemaExists(config: AppConfig): Promise<boolean> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: config.postgresUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [config.postgresSchema]);
    return (found.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** The URL without its password, to name in a message. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'CRM_POSTGRES_URL';
  }
}
