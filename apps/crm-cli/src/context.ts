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
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
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
  if (existing && !options.overwrite) throw new UsageError(`${given} already exists: pass --force to overwrite it, or choose another file`);
  // A link to a regular file (with --force) is the file it names: written beside it and renamed onto it.
  const path = existing?.isSymbolicLink() && statSync(given, { throwIfNoEntry: false })?.isFile() ? realpathSync(given) : given;
  const direct = existing !== undefined && !statSync(path, { throwIfNoEntry: false })?.isFile();
  const written = direct ? path : `${path}.partial-${randomUUID()}`;
  const stream = createWriteStream('', { fd: openPrivateFile(written, { overwrite: direct }) });
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
