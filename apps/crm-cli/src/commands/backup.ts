import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { READ_MODELS_FILE } from '@crm/platform';
import { UsageError } from '../args';
import { configOf, defineCommand } from '../context';
import { formatDuration } from '../progress';

const OPTIONS = {
  to: { type: 'string', value: '<dir>', description: 'the directory to make the copy in (must not exist, or be empty)' },
} as const;

/**
 * The embedded store's database files: copied through SQLite, never byte by byte (their WAL may hold commits). The
 * read models first: copied after the log they could hold an event the copied log lacks, and a build that has seen
 * an event its log does not hold is taken for one of another log and rebuilt whole on restore; copied first, they can
 * only be behind it, and catch up from their checkpoints.
 */
const DATABASES = [READ_MODELS_FILE, 'crm.sqlite'];
const isDatabasePart = (name: string) => DATABASES.some((file) => name === file || name.startsWith(`${file}-`));

/**
 * One database as it stands in one read transaction (`VACUUM INTO`): every commit made before it began, none after,
 * whatever its WAL holds and whoever writes meanwhile (writers are not held up: WAL readers do not block them).
 */
function copyDatabase(from: string, to: string): void {
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.prepare('VACUUM INTO ?').run(to);
  } finally {
    db.close();
  }
}

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'a consistent copy of the embedded data directory, taken while the API runs',
  usage: 'crm-cli backup --to <dir>',
  details:
    'Copies the embedded (SQLite) data directory into a new directory: the log with its keys (crm.sqlite) as it\n' +
    'stood at one instant, every commit before it and none after, while the API and projector go on writing; the\n' +
    'read models (read-models.sqlite) likewise, a moment before it (they catch up from their checkpoints wherever\n' +
    'they are behind the log); and the files beside them (kek, server-secret, auth-secret.key, bootstrap-admin.key), mode 0600.\n' +
    'A copy of the files with cp can miss commits still in the write-ahead log, or catch one half written.\n' +
    'To restore, stop the API, put the copy in place of the data directory (or point CRM_DATA_DIR at it) and\n' +
    'start it; `crm-cli verify` checks it. The copy holds the key-encryption key beside the data it unlocks: keep\n' +
    'it as safe as the data directory. An erasure made after the copy is not in it: after restoring an older copy,\n' +
    'erase again the people erased since (their erasures are in the log of the directory restored over).\n' +
    'PostgreSQL: back up the server (pg_dump, or its base backups) and the kek; this command copies SQLite only.',
  options: OPTIONS,
  run: async (args, io) => {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const to = args.options.to;
    if (to === undefined) throw new UsageError('--to <dir> is required');
    const config = configOf(io);
    if (config.eventStore !== 'sqlite')
      throw new UsageError(
        `backup copies the embedded SQLite store; this one is ${config.eventStore}: back up its server (pg_dump) and the kek`,
      );
    const from = config.dataDir;
    if (!existsSync(join(from, 'crm.sqlite'))) throw new UsageError(`${from} holds no crm.sqlite: nothing to back up`);
    const target = resolve(to);
    if (target === resolve(from)) throw new UsageError('--to is the data directory itself');
    if (existsSync(target) && readdirSync(target).length > 0) throw new UsageError(`${target} is not empty: give a new directory`);
    const started = Date.now();
    // Made beside the target and renamed into place once whole: a copy that failed half way is never taken for one.
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    try {
      for (const name of DATABASES) {
        if (existsSync(join(from, name))) copyDatabase(join(from, name), join(partial, name));
      }
      for (const name of readdirSync(from)) {
        const path = join(from, name);
        if (isDatabasePart(name) || !lstatSync(path).isFile()) continue;
        copyFileSync(path, join(partial, name));
      }
      for (const name of readdirSync(partial)) copyModeTo(join(partial, name));
      // On disk before the copy is renamed into place, and the rename with it: once there, it is whole.
      for (const name of readdirSync(partial)) syncFile(join(partial, name));
      if (existsSync(target)) rmdirSync(target); // empty (checked above): never a file put there meanwhile
      renameSync(partial, target);
      syncFile(resolve(target, '..'));
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      throw error;
    }
    const head = headOf(join(target, 'crm.sqlite'));
    // A key-encryption key given from outside the data directory is not in the copy, and the copy is no use without it.
    if (io.env['CRM_KEK'] || io.env['CRM_KEK_FILE'])
      io.stderr.write(
        'note: the key-encryption key comes from CRM_KEK or CRM_KEK_FILE, not from the data directory: keep it with the copy\n',
      );
    io.stderr.write(
      `backed up ${from} to ${target} in ${formatDuration((Date.now() - started) / 1000)}: the log up to position ${head ?? 'none'}, ` +
        `${readdirSync(target).sort().join(', ')}\n`,
    );
    return 0;
  },
});

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Readable and writable by the owner alone, as the data directory's files are. */
function copyModeTo(path: string): void {
  // chmod after the copy: copyFileSync keeps the source's mode, VACUUM INTO makes the umask's.
  chmodSync(path, 0o600);
}

function headOf(file: string): number | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT max(position) FROM events').pluck().get() as number | null) ?? undefined;
  } finally {
    db.close();
  }
}
