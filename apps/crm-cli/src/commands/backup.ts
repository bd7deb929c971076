import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { READ_MODELS_FILE } from '@crm/platform';
import { syncPath } from '@crm/shared/kernel';
import { UsageError } from '../args';
import { configOf, defineCommand, refuseDataPath, refuseMissingParent } from '../context';
import { formatDuration } from '../progress';

const OPTIONS = {
  to: {
    type: 'string',
    value: '<dir>',
    description: 'the directory to make the copy in (must not exist, or be empty; in a directory that exists, outside the data directory)',
  },
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
    'they are behind the log); and the files beside them (kek, server-secret, auth-secret.key, bootstrap-admin.key), mode 0600,\n' +
    'in a directory made 0700.\n' +
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
    // Not the data directory, nor in it (links followed): a copy there would be made among the files it copies.
    refuseDataPath(to, '--to', config, io.env);
    const there = lstatSync(target, { throwIfNoEntry: false });
    if (there && !there.isDirectory()) throw new UsageError(`${target} is not a directory: give a new directory`);
    if (there && readdirSync(target).length > 0) throw new UsageError(`${target} is not empty: give a new directory`);
    // In an existing directory only, as `export --out`: a typo in a parent makes no tree of directories.
    if (!there) refuseMissingParent(target);
    const started = Date.now();
    // Made under a name of its own and renamed into place once whole: a copy that failed half way is never taken for
    // one. Inside the target when it exists (it may be a mount point of another file system), else beside it.
    const partial = there ? join(target, `.partial-${randomUUID()}`) : `${target}.partial-${randomUUID()}`;
    makeDirectory(partial, target);
    // Two backups into one empty directory both passed the check above: each looks again once its own partial copy is
    // there, so the later one sees the earlier's (or its files) and stops, and the copy is never the files of two.
    if (there && readdirSync(target).length > 1) {
      rmdirSync(partial);
      throw new UsageError(`${target} is not empty: another backup is writing into it; give a new directory`);
    }
    let readModelsDropped = false;
    try {
      // The read models first, with the log's head as they were copied: an erasure recorded in between is in the
      // copied log but not in the copied read models, which would keep the person's data in clear with nothing to
      // purge it on restore; they are left out then (rebuilt from the log on restore).
      const readModels = join(from, READ_MODELS_FILE);
      const headBefore = headOf(join(from, 'crm.sqlite'));
      if (existsSync(readModels)) copyDatabase(readModels, join(partial, READ_MODELS_FILE));
      copyDatabase(join(from, 'crm.sqlite'), join(partial, 'crm.sqlite'));
      if (existsSync(join(partial, READ_MODELS_FILE)) && erasedAfter(join(partial, 'crm.sqlite'), headBefore)) {
        rmSync(join(partial, READ_MODELS_FILE));
        readModelsDropped = true;
      }
      for (const name of readdirSync(from)) {
        const path = join(from, name);
        // Followed if a link (a secret mounted as one): its content is what the copy needs.
        if (isDatabasePart(name) || !statSync(path, { throwIfNoEntry: false })?.isFile()) continue;
        copyFileSync(path, join(partial, name));
      }
      for (const name of readdirSync(partial)) copyModeTo(join(partial, name));
      // On disk, names included, before the copy is put in place.
      for (const name of readdirSync(partial)) syncPath(join(partial, name));
      syncPath(partial);
      if (there) {
        // Its files are the owner's alone; the directory that holds them is made so too (it may have been 0755), when
        // it is ours to change (a mount point given by another user is left as it is).
        if (typeof process.getuid !== 'function' || statSync(target).uid === process.getuid()) chmodSync(target, 0o700);
        for (const name of readdirSync(partial)) renameSync(join(partial, name), join(target, name));
        rmdirSync(partial);
      } else renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      throw error;
    }
    // Best effort: a file system that cannot sync a directory still holds a whole copy.
    try {
      syncPath(there ? target : resolve(target, '..'));
    } catch {
      // nothing more to do
    }
    if (readModelsDropped)
      io.stderr.write('note: an erasure was recorded while the copy was taken: the read models are left out of it (rebuilt on restore)\n');
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

/** Why a directory cannot be made where the user said, when it is the path's fault (exit 2). */
const PATH_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no directory can be made there',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};

/**
 * One directory, owner only, in a parent that exists: never `recursive`, whose loop in Node never ends where a parent
 * exists but refuses a new entry with ENOENT (`/proc`: an outside tester's `backup --to /proc/probe` spun at full CPU,
 * deaf to SIGTERM, its event loop never free to take the signal). It fails once, naming the user's path.
 */
function makeDirectory(path: string, given: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const problem = PATH_PROBLEMS[code];
    if (problem !== undefined) throw new UsageError(`--to ${given}: cannot make a directory in ${dirname(path)}: ${problem}`);
    throw new Error(`--to ${given}: cannot make a directory in ${dirname(path)}: ${(error as Error).message}`);
  }
  // The mode given to mkdir is cut by the umask.
  try {
    chmodSync(path, 0o700);
  } catch (error) {
    rmdirSync(path);
    throw error;
  }
}

/** Readable and writable by the owner alone, as the data directory's files are. */
function copyModeTo(path: string): void {
  // chmod after the copy: copyFileSync keeps the source's mode, VACUUM INTO makes the umask's.
  chmodSync(path, 0o600);
}

/** Whether the log in `file` holds an erasure after position `after`. */
function erasedAfter(file: string, after: number | undefined): boolean {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const found = db
      .prepare("SELECT 1 FROM events WHERE position > ? AND type IN ('DataSubjectErased', 'DataSubjectErasureListed') LIMIT 1")
      .get(after ?? 0);
    return found !== undefined;
  } finally {
    db.close();
  }
}

function headOf(file: string): number | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT max(position) FROM events').pluck().get() as number | null) ?? undefined;
  } finally {
    db.close();
  }
}
