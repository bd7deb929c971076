import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqliteEventStore, type SqliteEventStore } from '@crm/event-store/sqlite';
import { anEvent, describeKeyStoreContract } from '@crm/shared/testing';
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

describe('SqliteKeyStore beside the events (embedded default)', () => {
  const events = new Map<KeyStore, SqliteEventStore>();

  describeKeyStoreContract({
    create: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crm-keys-beside-'));
      const store = openSqliteEventStore({ file: join(dir, 'crm.sqlite') });
      const keys = SqliteKeyStore.beside(store);
      events.set(keys, store);
      dirs.set(keys, dir);
      return keys;
    },
    connectAgain: async (keys) => {
      const again = openSqliteEventStore({ file: (keys as SqliteKeyStore).db.name });
      const other = SqliteKeyStore.beside(again);
      events.set(other, again);
      return other;
    },
    dispose: async (keys) => {
      await keys.close();
      await events.get(keys)?.close();
      const dir = dirs.get(keys);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  });

  it("writes keys in the events' group commit: a key and an append made together cost one transaction", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-keys-beside-'));
    const store = openSqliteEventStore({ file: join(dir, 'crm.sqlite') });
    try {
      const keys = SqliteKeyStore.beside(store);
      const before = store.stats.transactions;
      const wrapped = randomBytes(60);
      const [stored] = await Promise.all([
        keys.create({ tenantId: 'default', subjectRef: 'lead-1' }, wrapped),
        store.appendToStream('lead-1', [anEvent('LeadCaptured')]),
      ]);
      expect(stored?.equals(wrapped)).toBe(true);
      expect(store.stats.transactions - before).toBe(1);
      expect(store.db.prepare('SELECT count(*) AS n FROM personal_data_keys').get()).toEqual({ n: 1 });
      // Alone, a new key commits without a sync of its own (the events sealed with it sync it); an erasure syncs.
      const deferredBefore = store.stats.deferredSyncs;
      await keys.create({ tenantId: 'default', subjectRef: 'lead-2' }, randomBytes(60));
      expect(store.stats.deferredSyncs - deferredBefore).toBe(1);
      await keys.delete({ tenantId: 'default', subjectRef: 'lead-2' });
      expect(store.stats.deferredSyncs - deferredBefore).toBe(1);
      await keys.close(); // the connection is the event store's: still open
      expect(await store.streamRevision('lead-1')).toBe(0);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adopts the keys of an earlier separate keys.sqlite and removes that file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-keys-beside-'));
    try {
      const legacyFile = join(dir, 'keys.sqlite');
      const legacy = SqliteKeyStore.open(legacyFile);
      const wrapped = randomBytes(60);
      await legacy.create({ tenantId: 'acme', subjectRef: 'contact-7' }, wrapped);
      await legacy.close();
      const store = openSqliteEventStore({ file: join(dir, 'crm.sqlite') });
      try {
        const keys = SqliteKeyStore.beside(store, legacyFile);
        expect((await keys.get({ tenantId: 'acme', subjectRef: 'contact-7' }))?.equals(wrapped)).toBe(true);
        for (const suffix of ['', '-wal', '-shm']) expect(existsSync(`${legacyFile}${suffix}`)).toBe(false);
        // A second process starting on the same directory finds nothing left to adopt.
        expect(() => SqliteKeyStore.beside(store, legacyFile)).not.toThrow();
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves no byte of a deleted key in the events' file or its WAL", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-keys-beside-'));
    const file = join(dir, 'crm.sqlite');
    const store = openSqliteEventStore({ file });
    try {
      const keys = SqliteKeyStore.beside(store);
      const wrapped = randomBytes(60);
      const ref = { tenantId: 'default', subjectRef: 'lead-1' };
      await keys.create(ref, wrapped);
      await keys.create({ tenantId: 'default', subjectRef: 'lead-2' }, randomBytes(60));
      await store.appendToStream('lead-1', [anEvent('LeadCaptured')]);
      expect(await keys.delete(ref)).toBe(true);
      const wal = existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0);
      expect(Buffer.concat([readFileSync(file), wal]).includes(wrapped.subarray(0, 16))).toBe(false);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
