import { canonicalJson, chainHash, contentHash, GENESIS_HASH, sha256Hex, verifyChain } from './hash-chain';
import { sealEvents } from './append-support';
import type { EventToAppend } from './event';

const event = (i: number, data: Record<string, unknown> = { i }): EventToAppend => ({
  type: 'Step',
  data,
  metadata: {
    eventId: `e-${i}`,
    commandId: `c-${i}`,
    correlationId: 'corr',
    causationId: `c-${i}`,
    actor: { id: 'auditor', roles: [] },
    tenantId: 'default',
    occurredAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
  },
});

describe('hash chain', () => {
  it('hashes the envelope as the canonical JSON of its fields, written directly in sorted order', () => {
    const envelope = (e: EventToAppend, streamId: string) => ({
      streamId,
      tenantId: e.metadata.tenantId,
      type: e.type,
      data: e.data,
      eventId: e.metadata.eventId,
      commandId: e.metadata.commandId,
      correlationId: e.metadata.correlationId,
      causationId: e.metadata.causationId,
      actor: e.metadata.actor,
      occurredAt: e.metadata.occurredAt,
      schemaVersion: e.metadata.schemaVersion,
      commandType: e.metadata.commandType,
    });
    const samples: EventToAppend[] = [
      event(1),
      event(2, { ی: 'مریم\u200cاحمدی', nested: { b: [1, { d: null, c: 'x' }], a: undefined } }),
      { ...event(3), metadata: { ...event(3).metadata, commandType: 'Step', actor: { id: 'svc', roles: ['a'], onBehalfOf: 'u-1' } } },
      { ...event(4), metadata: { ...event(4).metadata, traceparent: '00-abc-def-01' } },
    ];
    for (const sample of samples) {
      expect(contentHash({ streamId: 'lead-1', ...sample })).toBe(sha256Hex(canonicalJson(envelope(sample, 'lead-1'))));
    }
  });

  it('writes canonical JSON with sorted keys at every depth, as a JSONB round trip would not change it', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'ک' } })).toBe('{"a":{"c":"ک","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    // Whatever JSON drops, the hash drops too, so a stored event still verifies.
    const odd = { f: () => 1, s: Symbol('x'), list: [undefined, () => 1], at: new Date('2026-01-01T00:00:00Z') };
    expect(canonicalJson(odd)).toBe(canonicalJson(JSON.parse(JSON.stringify(odd))));
  });

  it('equals JSON.stringify of the same value with keys sorted, for every JSON shape', () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortDeep)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
            )
          : v;
    const samples: unknown[] = [
      { ی: 1, B: 2, a: [1.5, -0, 1e21, 'مریم\u200cاحمدی', { z: null, y: [true, false] }], '': 'empty' },
      [[], {}, '"quoted"\n', 0.1 + 0.2],
      'plain',
      42,
      null,
    ];
    for (const sample of samples) expect(canonicalJson(sample)).toBe(JSON.stringify(sortDeep(sample)));
    // Strings are written as JSON.stringify writes them, escapes, separators and surrogate pairs included.
    for (const text of ['ساده', 'tab\there', 'quote"back\\slash', '\u2028\u2029', 'emoji 👍', 'lone \ud800', '\u007f', '']) {
      expect(canonicalJson({ [text]: text })).toBe(JSON.stringify({ [text]: text }));
    }
    // Integer-like keys sort as strings too (a JS object would put them first).
    expect(canonicalJson({ '9': 'nine', '10': 'ten', x: 1 })).toBe('{"10":"ten","9":"nine","x":1}');
    expect(() => canonicalJson({ n: BigInt(1) })).toThrow(TypeError);
  });

  it('links each event to the previous one from the genesis hash', () => {
    const sealed = sealEvents('complaint-1', 'default', undefined, [event(0), event(1)]);
    const [first, second] = sealed;
    expect(first?.metadata.prevHash).toBe(GENESIS_HASH);
    expect(first?.metadata.hash).toBe(chainHash(GENESIS_HASH, 0, contentHash(first!)));
    expect(second?.metadata.prevHash).toBe(first?.metadata.hash);
    expect(chainHash('p', 3, 'c')).toBe(sha256Hex('p\n3\nc'));
    expect(verifyChain(sealed)).toEqual({ ok: true, checked: 2, lastHash: second?.metadata.hash });
  });

  it('finds the first broken link: changed data, a removed event, a rewritten predecessor', () => {
    const sealed = sealEvents('complaint-1', 'default', undefined, [event(0), event(1), event(2), event(3)]);
    const forged = sealed.map((e, i) => (i === 2 ? { ...e, data: { i: 99 } } : e));
    expect(verifyChain(forged)).toMatchObject({ ok: false, brokenAtRevision: 2, reason: 'hash_mismatch', checked: 2 });
    expect(verifyChain([sealed[0]!, sealed[2]!])).toMatchObject({ ok: false, brokenAtRevision: 2, reason: 'revision_gap' });
    const resealed = sealEvents('complaint-1', 'default', undefined, [event(0, { forged: true })]);
    expect(verifyChain([resealed[0]!, ...sealed.slice(1)])).toMatchObject({ ok: false, brokenAtRevision: 1, reason: 'prev_hash_mismatch' });
  });

  it('binds the event to its stream and tenant', () => {
    const [sealed] = sealEvents('complaint-1', 'default', undefined, [event(0)]);
    expect(verifyChain([{ ...sealed!, streamId: 'complaint-2' }])).toMatchObject({ ok: false, reason: 'hash_mismatch' });
    expect(verifyChain([{ ...sealed!, metadata: { ...sealed!.metadata, actor: { id: 'someone-else', roles: [] } } }])).toMatchObject({
      ok: false,
    });
  });

  it('continues a chain from a trusted head', () => {
    const head = sealEvents('s-1', 'default', undefined, [event(0)]);
    const tail = sealEvents('s-1', 'default', { revision: 0, hash: head[0]!.metadata.hash }, [event(1), event(2)]);
    expect(tail.map((e) => e.revision)).toEqual([1, 2]);
    expect(verifyChain(tail, { revision: 0, hash: head[0]!.metadata.hash }).ok).toBe(true);
  });
});
