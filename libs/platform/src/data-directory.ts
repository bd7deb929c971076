import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const OWNER_ONLY_DIR = 0o700;
const OWNER_ONLY_FILE = 0o600;
const STICKY = 0o1000;

/**
 * The data directory holds every customer's personal data and the keys that
 * guard it: only the server's user may enter it. An existing directory is
 * tightened too (group and others lose access; the owner's bits are kept),
 * unless it is shared scratch space (sticky, like /tmp) or someone else's,
 * which are left alone rather than broken.
 */
export function prepareDataDirectory(dir: string): void {
  makeDirectories(resolve(dir), OWNER_ONLY_DIR);
  const stat = statSync(dir);
  if (!stat.isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: the data directory ${dir} is a file, not a directory`), { code: 'ENOTDIR' });
  }
  const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
  // Group and others lose their access; the owner's own bits stay as they are (a directory made read-only on purpose,
  // a snapshot, is not made writable by a look at it).
  if (ours && (stat.mode & STICKY) === 0 && (stat.mode & 0o077) !== 0) chmodSync(dir, stat.mode & OWNER_ONLY_DIR);
}

/**
 * `dir` and its missing parents, one `mkdir` each. Node's recursive mkdir retries for ever where a parent exists but
 * takes no new entry (`/proc`: ENOENT for the child, EEXIST for the parent): `CRM_DATA_DIR=/proc/x` spun at 100% CPU
 * and ignored signals (an outside probe, with `crm-cli backup --to`, which made its directory the same way).
 */
function makeDirectories(dir: string, mode: number): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent, mode);
  try {
    mkdirSync(dir, { mode });
  } catch (error) {
    // Made by another process in between.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * SQLite creates the -wal and -shm files with the database file's mode, so
 * the file is made 0600 before SQLite opens it; companions left by an older
 * version are tightened too.
 *
 * An existing file is never opened here: POSIX record locks belong to the process, and closing any descriptor of a
 * file drops every lock the process holds on it. A second connection of this process (the API's read-side worker
 * beside the API's own) would otherwise take away the first one's lock, and another process's connection, closing,
 * would then take itself for the last one and delete the live WAL: what was acknowledged but not yet checkpointed
 * would be lost at the next crash (found by an outside probe with a read-only `sqlite3` query).
 */
export function prepareDatabaseFile(file: string): void {
  if (!existsSync(file)) {
    try {
      closeSync(openSync(file, 'wx', OWNER_ONLY_FILE));
    } catch (error) {
      // Made by another process in between: SQLite opens that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(path) && (statSync(path).mode & 0o777) !== OWNER_ONLY_FILE) chmodSync(path, OWNER_ONLY_FILE);
  }
}
