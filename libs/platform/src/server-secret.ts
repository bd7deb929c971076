import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createSecretFileOnce } from '@crm/shared/kernel';
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

function makeServerSecret(config: AppConfig): Buffer {
  const file = join(config.dataDir, SERVER_SECRET_FILE);
  const secret = randomBytes(32);
  return createSecretFileOnce(file, `${secret.toString('base64')}\n`) ? secret : readServerSecret(file);
}
