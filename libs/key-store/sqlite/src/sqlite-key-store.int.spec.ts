import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeKeyStoreContract } from '@crm/shared/testing';
import type { KeyStore } from '@crm/shared/personal-data';
import { SqliteKeyStore } from './sqlite-key-store';

const dirs = new Map<KeyStore, string>();

describe('SqliteKeyStore (real file)', () => {
  describeKeyStoreContract({
    create: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crm-keys-'));
      const store = SqliteKeyStore.open(join(dir, 'keys.sqlite'));
      dirs.set(store, dir);
      return store;
    },
    connectAgain: async (store) => SqliteKeyStore.open((store as SqliteKeyStore).db.name),
    dispose: async (store) => {
      await store.close();
      rmSync(dirs.get(store) as string, { recursive: true, force: true });
    },
  });

  it('leaves no byte of a deleted key in the file or its WAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-keys-'));
    try {
      const file = join(dir, 'keys.sqlite');
      const store = SqliteKeyStore.open(file);
      const wrapped = randomBytes(60);
      const ref = { tenantId: 'default', subjectRef: 'lead-1' };
      await store.create(ref, wrapped);
      await store.create({ tenantId: 'default', subjectRef: 'lead-2' }, randomBytes(60));
      await store.delete(ref);
      const bytes = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`)]);
      expect(bytes.includes(wrapped.subarray(0, 16))).toBe(false);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
