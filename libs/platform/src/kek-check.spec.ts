import { randomBytes } from 'node:crypto';
import { InMemoryKeyStore, newDataKey, wrapDataKey } from '@crm/shared/personal-data';
import { ConfigError } from './app-config';
import { checkKek, KEK_CHECK_REF } from './personal-data';

describe('checkKek: a process with another key-encryption key does not start on the store', () => {
  it('records a check on the first start, then refuses any other KEK and takes the same one', async () => {
    const store = new InMemoryKeyStore();
    const kek = randomBytes(32);
    await checkKek(store, kek);
    expect(await store.has(KEK_CHECK_REF)).toBe(true);
    await expect(checkKek(store, randomBytes(32))).rejects.toBeInstanceOf(ConfigError);
    await expect(checkKek(store, kek)).resolves.toBeUndefined();
  });

  it('checks a store from before the check against one of its data keys, once', async () => {
    const store = new InMemoryKeyStore();
    const kek = randomBytes(32);
    const ref = { tenantId: 'acme', subjectRef: 'lead-1' };
    await store.create(ref, wrapDataKey(kek, ref, newDataKey()));
    await expect(checkKek(store, randomBytes(32))).rejects.toBeInstanceOf(ConfigError);
    expect(await store.has(KEK_CHECK_REF)).toBe(false);
    await checkKek(store, kek);
    expect(await store.has(KEK_CHECK_REF)).toBe(true);
  });
});
