import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { prepareDataDirectory } from './data-directory';
import { join } from 'node:path';
import type { AppConfig } from './app-config';

export const SERVER_SECRET_FILE = 'server-secret';

/**
 * The key of this installation's keyed hashes (request fingerprints kept with
 * commands), so nothing stored is a plain hash of what a person typed.
 * `CRM_SERVER_SECRET` when set; else a random key kept beside the embedded
 * data (mode 0600), made on first start; the in-memory store keeps nothing,
 * so its key lives as long as the process.
 */
export function loadServerSecret(config: AppConfig, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env['CRM_SERVER_SECRET'];
  if (fromEnv !== undefined && fromEnv.length > 0) return Buffer.from(fromEnv, 'utf8');
  if (config.eventStore === 'memory') return randomBytes(32);
  // Made or tightened (0700) on every start, as the embedded stores' is: an install from before kept 0755.
  prepareDataDirectory(config.dataDir);
  return existingServerSecret(config, env) ?? makeServerSecret(config);
}

/**
 * The installation's secret if it has one already (`CRM_SERVER_SECRET`, or the file beside the embedded data), never
 * made: for a tool beside the API (`crm-cli claim-national-ids`), which under a secret of its own would write keyed
 * records the API never finds, and for good (they are not deleted).
 */
export function existingServerSecret(config: AppConfig, env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const fromEnv = env['CRM_SERVER_SECRET'];
  if (fromEnv !== undefined && fromEnv.length > 0) return Buffer.from(fromEnv, 'utf8');
  if (config.eventStore === 'memory') return undefined;
  const file = join(config.dataDir, SERVER_SECRET_FILE);
  return existsSync(file) ? readServerSecret(file) : undefined;
}

/** A secret shorter than this was not written by us whole: refused, never used as a key. */
const SHORTEST_SECRET_BYTES = 16;

function readServerSecret(file: string): Buffer {
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (secret.length < SHORTEST_SECRET_BYTES) {
    throw new Error(`${file} holds no usable secret (${secret.length} bytes): restore it from a backup, or set CRM_SERVER_SECRET`);
  }
  return secret;
}

/**
 * Written whole under a name of its own, synced, then linked to its place: a link fails if a secret is there already,
 * so of two processes starting at once one secret wins and the other reads it; no process ever sees the file empty or
 * half written (a create-then-write did: a second process read it empty and keyed with nothing).
 */
function makeServerSecret(config: AppConfig): Buffer {
  const file = join(config.dataDir, SERVER_SECRET_FILE);
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.partial`;
  const secret = randomBytes(32);
  const fd = openSync(draft, 'wx', 0o600);
  try {
    writeSync(fd, `${secret.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, file);
    // The directory's entry made durable too: a secret lost in a crash would be replaced, and every keyed record made
    // under it would no longer be found.
    const directory = openSync(config.dataDir, 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readServerSecret(file);
  } finally {
    unlinkSync(draft);
  }
}
