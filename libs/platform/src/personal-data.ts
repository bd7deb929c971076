import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecretFileOnce } from '@crm/shared/kernel';
import { ACTIVITIES_PERSON_REFERENCES, ACTIVITIES_PERSONAL_FIELDS } from '@crm/activities/domain';
import { SALES_PERSON_REFERENCES, SALES_PERSONAL_FIELDS } from '@crm/sales/domain';
import { SERVICE_PERSON_REFERENCES, SERVICE_PERSONAL_FIELDS } from '@crm/service/domain';
import {
  InMemoryKeyStore,
  isErasedKey,
  mergePersonalFields,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
  type KeyStore,
  type PersonalFields,
  type PersonReferences,
  type SubjectKeyRef,
} from '@crm/shared/personal-data';
import { DEFAULT_TENANT } from '@crm/shared/event-sourcing';
import { ConfigError, type AppConfig } from './app-config';
import { prepareDatabaseFile, prepareDataDirectory } from './data-directory';

/** Every context's personal fields (docs/personal-data.md). */
export const ALL_PERSONAL_FIELDS: PersonalFields = mergePersonalFields(
  SALES_PERSONAL_FIELDS,
  SERVICE_PERSONAL_FIELDS,
  ACTIVITIES_PERSONAL_FIELDS,
);

/** Where events name the person they are about (libs/shared/personal-data, person-references.ts). */
export const ALL_PERSON_REFERENCES: PersonReferences = mergePersonalFields(
  SALES_PERSON_REFERENCES,
  SERVICE_PERSON_REFERENCES,
  ACTIVITIES_PERSON_REFERENCES,
);

export const KEK_FILE = 'kek';
/** The keys' own file for a KurrentDB installation with neither PostgreSQL nor MongoDB, and where embedded keys lived before they moved into `crm.sqlite`. */
export const KEY_STORE_FILE = 'keys.sqlite';

function parseKek(text: string, from: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new ConfigError([`${from} must hold a 32-byte key, base64 or 64 hex digits (openssl rand -base64 32)`]);
  return key;
}

/**
 * The key-encryption key that wraps every data key: `CRM_KEK`, else the file
 * `CRM_KEK_FILE` names, else (embedded default) `<data>/kek`, made on first
 * start with mode 0600 (`made` names it then). The in-memory store keeps
 * nothing, so its KEK lives as long as the process.
 */
export function loadKek(config: AppConfig, env: NodeJS.ProcessEnv = process.env): { readonly kek: Buffer; readonly made?: string } {
  const fromEnv = env['CRM_KEK'];
  if (fromEnv) return { kek: parseKek(fromEnv, 'CRM_KEK') };
  const fromFile = env['CRM_KEK_FILE'];
  if (fromFile) {
    if (!existsSync(fromFile)) throw new ConfigError([`CRM_KEK_FILE=${JSON.stringify(fromFile)} does not exist`]);
    return { kek: parseKek(readFileSync(fromFile, 'utf8'), `CRM_KEK_FILE (${fromFile})`) };
  }
  if (config.eventStore === 'memory') return { kek: randomBytes(32) };
  const file = join(config.dataDir, KEK_FILE);
  prepareDataDirectory(config.dataDir);
  if (existsSync(file)) return { kek: parseKek(readFileSync(file, 'utf8'), file) };
  const kek = randomBytes(32);
  // Another process (the projector) may make it at the same moment: then theirs is used.
  if (!createSecretFileOnce(file, `${kek.toString('base64')}\n`)) return { kek: parseKek(readFileSync(file, 'utf8'), file) };
  return { kek, made: file };
}

/**
 * The refusal of a key-encryption key this process has just made (`<data>/kek` was missing) for a store whose data
 * keys are wrapped with another: the file goes again, so that a directory restored without its kek is left as it was.
 */
export function missingKekError(file: string): ConfigError {
  return new ConfigError([
    `${file} is missing, and this store's data keys are wrapped with a key-encryption key: restore the installation's ` +
      'kek file (it is not part of crm.sqlite) or set CRM_KEK or CRM_KEK_FILE; a new one would open none of its records',
  ]);
}

/** A key is looked up once per subject and cached: the data keys' pool needs few connections. */
const keyPoolSize = (config: AppConfig) => Math.min(4, config.postgresPoolSize);

/**
 * Where the data keys live: beside the events, in a table or collection of their own. The
 * embedded store is given to `openEventStore`'s SQLite adapter instead (same file, same group commit).
 */
export async function openKeyStore(config: AppConfig): Promise<KeyStore> {
  switch (config.eventStore) {
    case 'memory':
      return new InMemoryKeyStore();
    case 'postgres': {
      // The events go to the same server, synchronously, after the keys they are sealed with: a key's commit need not
      // wait for its own WAL flush (PostgresKeyStoreOptions.deferSync).
      const { PostgresKeyStore } = await import('@crm/key-store/postgres');
      return PostgresKeyStore.open(config.postgresUrl as string, {
        schema: config.postgresSchema,
        deferSync: true,
        poolSize: keyPoolSize(config),
      });
    }
    case 'eventstoredb':
      if (config.mongodbUrl) {
        const { MongoKeyStore } = await import('@crm/key-store/mongodb');
        const { databaseNamedIn } = await import('@crm/read-store/mongodb');
        // The read store's database (the URL's, else `crm`), so that one backup holds the read models and the keys;
        // the driver alone would take `test` for a URL that names none.
        const database = config.mongodbDatabase ?? databaseNamedIn(config.mongodbUrl) ?? 'crm';
        return MongoKeyStore.connect(config.mongodbUrl, { database });
      }
      if (config.postgresUrl) {
        const { PostgresKeyStore } = await import('@crm/key-store/postgres');
        return PostgresKeyStore.open(config.postgresUrl, { schema: config.postgresSchema, poolSize: keyPoolSize(config) });
      }
      break;
    case 'sqlite':
      break;
  }
  const { SqliteKeyStore } = await import('@crm/key-store/sqlite');
  const file = join(config.dataDir, KEY_STORE_FILE);
  prepareDataDirectory(config.dataDir);
  prepareDatabaseFile(file);
  return SqliteKeyStore.open(file);
}

/** A key wrapped by the installation's KEK, kept beside the data keys only to tell whether a KEK is the right one. */
export const KEK_CHECK_REF: SubjectKeyRef = { tenantId: DEFAULT_TENANT, subjectRef: 'kek-check' };

/**
 * Refuses to go on (ConfigError) with a key-encryption key that does not open the store's data keys: a process started
 * with another CRM_KEK would otherwise wrap new records' keys with it, and those records could be opened by no process
 * that runs with the store's own (an outside probe seeded into a store with a stray CRM_KEK: exit 0, and from then on
 * every export and rebuild failed). The first start of a store records a check key; a store that has data keys and no
 * check yet is checked against one of them, once.
 */
export async function checkKek(store: KeyStore, kek: Buffer): Promise<void> {
  const wrong = () =>
    new ConfigError([
      "the key-encryption key (CRM_KEK, CRM_KEK_FILE or <data>/kek) is not the one this store's data keys are wrapped with: " +
        "start with the installation's own",
    ]);
  const check = await store.get(KEK_CHECK_REF);
  if (check !== undefined && !isErasedKey(check)) {
    try {
      unwrapDataKey(kek, KEK_CHECK_REF, check);
      return;
    } catch {
      throw wrong();
    }
  }
  // Listed refs hold keys (tombstones, erasure fences among them, are left out).
  for (const ref of await store.refsStartingWith('')) {
    const wrapped = await store.get(ref);
    if (wrapped === undefined || isErasedKey(wrapped)) continue;
    try {
      unwrapDataKey(kek, ref, wrapped);
    } catch {
      throw wrong();
    }
    break;
  }
  await store.create(KEK_CHECK_REF, wrapDataKey(kek, KEK_CHECK_REF, newDataKey()));
}
