import { derivedId, isUuid, newId, uuidV5 } from './ids';

describe('ids', () => {
  it('computes RFC 9562 v5 ids (known vector: DNS namespace, "python.org")', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
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
