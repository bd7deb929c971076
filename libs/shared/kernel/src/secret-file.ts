import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes `file` (mode 0600) holding `contents` unless it exists, and says whether this call made it. The contents are
 * written whole under a name of their own, synced, then linked to `file`: a link fails if the file is there already,
 * so of two processes starting at once one file wins and the other reads it, and no process ever sees it empty or half
 * written (a create-then-write let a second process read an empty secret). The directory is synced after the link, so
 * a secret made is not lost in a crash (everything keyed with it would no longer be found).
 */
export function createSecretFileOnce(file: string, contents: string): boolean {
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.partial`;
  const fd = openSync(draft, 'wx', 0o600);
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
  const directory = openSync(dirname(file), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
  return true;
}
