import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Link errors of a file system that has no hard links (some SMB, FUSE and bind mounts): made in place there. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

function writeWhole(path: string, contents: string, flag: 'wx'): void {
  const fd = openSync(path, flag, 0o600);
  try {
    writeFileSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file or directory on disk (a directory: the names in it), synced. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `file` (mode 0600) holding `contents` unless it exists, and says whether this call made it. The contents are
 * written whole under a name of their own, synced, then linked to `file`: a link fails if the file is there already,
 * so of two processes starting at once one file wins and the other reads it, and no process ever sees it empty or half
 * written (a create-then-write let a second process read an empty secret). The directory is synced after the link, so
 * a secret made is not lost in a crash (everything keyed with it would no longer be found). On a file system without
 * hard links the file is made in place (exclusive create, then write): the window in which another process could read
 * it unwritten is back there, and only there.
 */
export function createSecretFileOnce(file: string, contents: string): boolean {
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.partial`;
  let linked: boolean;
  try {
    writeWhole(draft, contents, 'wx');
    linkSync(draft, file);
    linked = true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw error;
    linked = false;
  } finally {
    // The draft holds the secret: it never stays, whatever failed.
    try {
      unlinkSync(draft);
    } catch {
      // not made, or gone already
    }
  }
  if (!linked) {
    try {
      writeWhole(file, contents, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }
  syncPath(dirname(file));
  return true;
}
