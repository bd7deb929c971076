import { randomBytes } from 'node:crypto';
import { isErasedKey, type KeyStore } from '@crm/shared/personal-data';
import { newId } from '@crm/shared/kernel';

export interface KeyStoreHarness {
  /** A fresh, empty key store. */
  create(): Promise<KeyStore>;
  /** A second connection to the same store (another process). */
  connectAgain?(store: KeyStore): Promise<KeyStore>;
  dispose?(store: KeyStore): Promise<void>;
}

/** What every KeyStore adapter must do; run against a real instance of each. */
export function describeKeyStoreContract(harness: KeyStoreHarness): void {
  let store: KeyStore;
  beforeEach(async () => {
    store = await harness.create();
  });
  afterEach(async () => {
    if (harness.dispose) await harness.dispose(store);
    else await store.close();
  });
  const subject = () => ({ tenantId: 'default', subjectRef: `lead-${newId()}` });

  it('has no key for a subject it never saw', async () => {
    const ref = subject();
    expect(await store.get(ref)).toBeUndefined();
    expect(await store.has(ref)).toBe(false);
  });

  it('keeps the first key created for a subject, byte for byte', async () => {
    const ref = subject();
    const first = randomBytes(60);
    expect((await store.create(ref, first)).equals(first)).toBe(true);
    expect((await store.create(ref, randomBytes(60))).equals(first)).toBe(true);
    expect((await store.get(ref))?.equals(first)).toBe(true);
    expect(await store.has(ref)).toBe(true);
  });

  it('keeps each tenant’s key of the same subject apart', async () => {
    const ref = subject();
    const acme = { ...ref, tenantId: 'acme' };
    await store.create(ref, Buffer.from('default-key'));
    await store.create(acme, Buffer.from('acme-key'));
    expect((await store.get(acme))?.toString()).toBe('acme-key');
    await store.delete(acme);
    expect((await store.get(ref))?.toString()).toBe('default-key');
  });

  it('lists the subjects of every tenant whose ref starts with a prefix, in byte order, deleted ones gone', async () => {
    const prefix = `purge-${newId()}-`;
    const refs = [
      { tenantId: 'default', subjectRef: `${prefix}b` },
      { tenantId: 'acme', subjectRef: `${prefix}a` },
      { tenantId: 'default', subjectRef: `${prefix}A.*` },
      { tenantId: 'default', subjectRef: `${prefix}پ` },
    ];
    for (const ref of refs) await store.create(ref, randomBytes(60));
    await store.create({ tenantId: 'default', subjectRef: `lead-${prefix}` }, randomBytes(60));
    await store.create({ tenantId: 'default', subjectRef: prefix.slice(0, -1) }, randomBytes(60));
    expect(await store.refsStartingWith(prefix)).toEqual([refs[1], refs[2], refs[0], refs[3]]);
    // A prefix is literal: no pattern characters.
    expect(await store.refsStartingWith(`${prefix}A.`)).toEqual([refs[2]]);
    expect(await store.refsStartingWith(`${prefix}.`)).toEqual([]);
    await store.delete(refs[0] as (typeof refs)[number]);
    expect(await store.refsStartingWith(prefix)).toEqual([refs[1], refs[2], refs[3]]);
  });

  it('destroys a key for good: its tombstone stays, and the subject can never get a key again', async () => {
    const ref = subject();
    const first = randomBytes(60);
    await store.create(ref, first);
    expect(await store.delete(ref)).toBe(true);
    expect(isErasedKey(await store.get(ref))).toBe(true);
    expect(await store.has(ref)).toBe(false);
    // A write racing the erasure, or coming after it, would make the subject readable again with a new key.
    expect(isErasedKey(await store.create(ref, randomBytes(60)))).toBe(true);
    expect((await store.createMany([{ ref, wrapped: randomBytes(60) }])).map(isErasedKey)).toEqual([true]);
    expect(isErasedKey(await store.get(ref))).toBe(true);
    expect(await store.delete(ref)).toBe(false);
    // A subject erased before it ever had a key gets none either.
    const never = subject();
    expect(await store.delete(never)).toBe(false);
    expect(isErasedKey(await store.create(never, randomBytes(60)))).toBe(true);
    expect(await store.refsStartingWith('lead-')).not.toContainEqual(ref);
  });

  it('discards a key nothing was sealed with: no row is left, and a tombstone is not discarded', async () => {
    const ref = subject();
    await store.create(ref, randomBytes(60));
    expect(await store.discard(ref)).toBe(true);
    expect(await store.get(ref)).toBeUndefined();
    expect(await store.refsStartingWith(ref.subjectRef)).toEqual([]);
    expect(await store.discard(ref)).toBe(false);
    const erased = subject();
    await store.create(erased, randomBytes(60));
    await store.delete(erased);
    expect(await store.discard(erased)).toBe(false);
    expect(isErasedKey(await store.get(erased))).toBe(true);
  });

  it('creates several keys at once, each answered as a single create would be', async () => {
    const [a, b] = [subject(), subject()];
    const kept = randomBytes(60);
    await store.create(a, kept);
    const fresh = randomBytes(60);
    const stored = await store.createMany([
      { ref: a, wrapped: randomBytes(60) },
      { ref: b, wrapped: fresh },
      { ref: b, wrapped: randomBytes(60) },
    ]);
    expect(stored.map((key) => key.toString('hex'))).toEqual([kept, fresh, fresh].map((key) => key.toString('hex')));
    expect((await store.get(b))?.equals(fresh)).toBe(true);
  });

  it('lets one of two racing creators win, and both see the winner', async () => {
    if (!harness.connectAgain) return;
    const other = await harness.connectAgain(store);
    try {
      const ref = subject();
      const [a, b] = await Promise.all([store.create(ref, randomBytes(60)), other.create(ref, randomBytes(60))]);
      expect(a.equals(b)).toBe(true);
      expect((await other.get(ref))?.equals(a)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('keeps the tombstone whichever comes first of an erasure and a create on another connection', async () => {
    if (!harness.connectAgain) return;
    const other = await harness.connectAgain(store);
    try {
      for (let round = 0; round < 5; round += 1) {
        const ref = subject();
        const [created] = await Promise.all([other.create(ref, randomBytes(60)), store.delete(ref)]);
        // The create either came first (its key is destroyed with the rest) or after (it got the tombstone).
        expect(created.length === 60 || isErasedKey(created)).toBe(true);
        expect(isErasedKey(await other.get(ref))).toBe(true);
        expect(isErasedKey(await store.create(ref, randomBytes(60)))).toBe(true);
      }
    } finally {
      await other.close();
    }
  });
}
