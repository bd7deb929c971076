import { createHash } from 'node:crypto';
import { CRM_NAMESPACE, derivedId, isUuid, newId, uuidV5 } from './ids';

describe('ids', () => {
  it('computes RFC 9562 v5 ids (known vector: DNS namespace, "python.org")', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('gives every id the hash of namespace and name would, whichever namespace came before (ids already in logs)', () => {
    // The plain RFC 9562 construction, written out: what every stored derived id was made with.
    const reference = (name: string, namespace: string) => {
      const bytes = createHash('sha1')
        .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
        .update(name, 'utf8')
        .digest()
        .subarray(0, 16);
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    for (let i = 0; i < 200; i += 1) {
      const name = `${newId()}/${i}/سارا`;
      const namespace = i % 3 === 0 ? dns : CRM_NAMESPACE;
      expect(uuidV5(name, namespace)).toBe(reference(name, namespace));
      expect(uuidV5(name)).toBe(reference(name, CRM_NAMESPACE));
    }
  });

  it('derives the same id from the same source and purpose, different ones otherwise', () => {
    const command = newId();
    expect(derivedId(command, 0)).toBe(derivedId(command, 0));
    expect(derivedId(command, 0)).not.toBe(derivedId(command, 1));
    expect(isUuid(derivedId(command, 'contact'))).toBe(true);
  });

  it('rejects strings that are not UUIDs', () => {
    expect(isUuid('lead-1')).toBe(false);
    expect(isUuid(newId())).toBe(true);
  });
});
