import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { DocumentRecord } from './document';
import { foldEvents, type AnyProjection } from './projection';

const event = (position: number, type: string, data: Record<string, unknown>): RecordedEvent =>
  ({ streamId: 's-1', type, data, revision: position - 1, position: String(position), metadata: {} }) as unknown as RecordedEvent;

const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));

const totals: AnyProjection = {
  name: 'totals',
  version: 1,
  collection: 'totals',
  eventTypes: ['Added', 'Removed', 'Broken'],
  documentId: (e) => (e.data as { ids: string[] }).ids,
  evolve(doc, e) {
    if (e.type === 'Broken') throw new Error('cannot apply');
    if (e.type === 'Removed') return null;
    return { total: ((doc as { total?: number } | null)?.total ?? 0) + 1 };
  },
};

describe('foldEvents', () => {
  it('applies events in order to every document they touch', () => {
    const result = foldEvents(totals, new Map(), [event(1, 'Added', { ids: ['a', 'b'] }), event(2, 'Added', { ids: ['a'] })], compare);
    expect(Object.fromEntries(result.changed)).toEqual({
      a: { id: 'a', doc: { total: 2 }, position: '2' },
      b: { id: 'b', doc: { total: 1 }, position: '1' },
    });
    expect(result).toMatchObject({ applied: 2, lastHandled: 1 });
  });

  it('skips events a document has already seen, so a replay is a no-op', () => {
    const current = new Map<string, DocumentRecord<object>>([['a', { id: 'a', doc: { total: 5 }, position: '2' }]]);
    const result = foldEvents(
      totals,
      current,
      [event(1, 'Added', { ids: ['a'] }), event(2, 'Added', { ids: ['a'] }), event(3, 'Added', { ids: ['a'] })],
      compare,
    );
    expect(result.changed.get('a')).toEqual({ id: 'a', doc: { total: 6 }, position: '3' });
    expect(result.applied).toBe(1);
  });

  it('stops at a failing event and keeps none of its changes', () => {
    const failing: AnyProjection = {
      ...totals,
      evolve: (doc, e, id) =>
        id === 'b' && e.position === '2' ? totals.evolve(doc, { ...e, type: 'Broken' }, id) : totals.evolve(doc, e, id),
    };
    const result = foldEvents(
      failing,
      new Map(),
      [event(1, 'Added', { ids: ['a'] }), event(2, 'Added', { ids: ['a', 'b'] }), event(3, 'Added', { ids: ['c'] })],
      compare,
    );
    expect(Object.fromEntries(result.changed)).toEqual({ a: { id: 'a', doc: { total: 1 }, position: '1' } });
    expect(result.failure).toMatchObject({ index: 1, event: { position: '2' } });
    expect(result.lastHandled).toBe(0);
  });

  it('treats a throwing documentId like a failing evolve', () => {
    const badIds: AnyProjection = {
      ...totals,
      documentId: (e) => {
        if (e.position === '2') throw new Error('no id');
        return 'a';
      },
    };
    const result = foldEvents(badIds, new Map(), [event(1, 'Added', {}), event(2, 'Added', {})], compare);
    expect(result.failure?.index).toBe(1);
    expect(result.changed.get('a')?.position).toBe('1');
  });

  it('records deletions as null and does not write documents that never existed', () => {
    const result = foldEvents(
      totals,
      new Map(),
      [event(1, 'Added', { ids: ['a'] }), event(2, 'Removed', { ids: ['a', 'ghost'] })],
      compare,
    );
    expect(Object.fromEntries(result.changed)).toEqual({ a: null });
  });

  it('lets evolve read another document the event names, as it stood before the event, and only those', () => {
    // 'Copied' names [target, source]: the target takes the source's total; the source is handed back as it was.
    const copies: AnyProjection = {
      ...totals,
      eventTypes: ['Added', 'Copied'],
      evolve(doc, e, id, peer) {
        const { ids, reads } = e.data as { ids: string[]; reads?: string };
        if (e.type === 'Added') return totals.evolve(doc, e, id);
        if (id !== ids[0]) return doc;
        return { total: (peer?.(reads ?? (ids[1] as string)) as { total?: number } | null)?.total ?? -1 };
      },
    };
    const events = [
      event(1, 'Added', { ids: ['a'] }),
      event(2, 'Added', { ids: ['a'] }),
      event(3, 'Copied', { ids: ['b', 'a'] }),
      event(4, 'Copied', { ids: ['c', 'd'] }),
    ];
    const result = foldEvents(copies, new Map(), events, compare);
    expect(Object.fromEntries(result.changed)).toEqual({
      a: { id: 'a', doc: { total: 2 }, position: '2' },
      b: { id: 'b', doc: { total: 2 }, position: '3' },
      c: { id: 'c', doc: { total: -1 }, position: '4' },
    });
    // A document another event of the batch touched is not the event's to read: what it reads must not depend on the batch.
    const stray = foldEvents(
      copies,
      new Map(),
      [event(1, 'Added', { ids: ['a'] }), event(2, 'Copied', { ids: ['b'], reads: 'a' })],
      compare,
    );
    expect(stray.failure?.index).toBe(1);
    expect(String(stray.failure?.error)).toContain('a is not a document of this event');
  });

  describe('with a summary', () => {
    // Documents are counted per parity of their total: moving from odd to even moves the count.
    const summarized: AnyProjection = {
      ...totals,
      summary: {
        documentId: () => '~summary',
        cells: (doc) => {
          const total = (doc as { total: number }).total;
          return [{ dims: { parity: total % 2 === 0 ? 'even' : 'odd' }, values: { count: 1, total } }];
        },
      },
    };
    const cellsOf = (record: DocumentRecord<object> | null | undefined) =>
      Object.values((record?.doc as { cells?: Record<string, unknown> } | undefined)?.cells ?? {});

    it('takes a changed document’s old cells out and puts its new ones in, dropping cells that come to nothing', () => {
      const result = foldEvents(
        summarized,
        new Map(),
        [event(1, 'Added', { ids: ['a', 'b'] }), event(2, 'Added', { ids: ['a'] }), event(3, 'Removed', { ids: ['b'] })],
        compare,
      );
      expect(cellsOf(result.changed.get('~summary'))).toEqual([{ dims: { parity: 'even' }, values: { count: 1, total: 2 } }]);
      expect(result.changed.get('~summary')?.position).toBe('3');
    });

    it('leaves the summary alone for events its documents have already seen, whatever the summary’s own position', () => {
      const current = new Map<string, DocumentRecord<object>>([
        ['a', { id: 'a', doc: { total: 1 }, position: '1' }],
        ['b', { id: 'b', doc: { total: 1 }, position: '5' }],
        ['~summary', { id: '~summary', doc: { summary: true, cells: {} }, position: '5' }],
      ]);
      const { cells } = (foldEvents(summarized, new Map(), [event(1, 'Added', { ids: ['a', 'b'] })], compare).changed.get('~summary')
        ?.doc ?? {}) as { cells: object };
      current.set('~summary', { id: '~summary', doc: { summary: true, cells }, position: '5' });
      // Replaying position 1 changes nothing; position 3 changes a (b has seen it): odd → even for a only.
      const result = foldEvents(
        summarized,
        current,
        [event(1, 'Added', { ids: ['a', 'b'] }), event(3, 'Added', { ids: ['a', 'b'] })],
        compare,
      );
      expect(result.changed.has('b')).toBe(false);
      expect(cellsOf(result.changed.get('~summary'))).toEqual([
        { dims: { parity: 'odd' }, values: { count: 1, total: 1 } },
        { dims: { parity: 'even' }, values: { count: 1, total: 2 } },
      ]);
    });

    it('keeps none of a failing event’s cells, and never lets a summary id be a document id', () => {
      const failing: AnyProjection = {
        ...summarized,
        evolve: (doc, e, id) =>
          id === 'b' && e.position === '2' ? totals.evolve(doc, { ...e, type: 'Broken' }, id) : totals.evolve(doc, e, id),
      };
      const result = foldEvents(failing, new Map(), [event(1, 'Added', { ids: ['a'] }), event(2, 'Added', { ids: ['a', 'b'] })], compare);
      expect(cellsOf(result.changed.get('~summary'))).toEqual([{ dims: { parity: 'odd' }, values: { count: 1, total: 1 } }]);
      const clash = foldEvents(summarized, new Map(), [event(1, 'Added', { ids: ['~summary'] })], compare);
      expect(String(clash.failure?.error)).toMatch(/also a document id/);
    });
  });
  describe('with several summaries per event', () => {
    // Each event's change goes to two summaries: one keeps cells as they are, the other only the even ones, renamed.
    const twice: AnyProjection = {
      ...totals,
      summary: {
        documentId: () => ['~all', '~even'],
        cells: (doc) => {
          const total = (doc as { total: number }).total;
          return [{ dims: { parity: total % 2 === 0 ? 'even' : 'odd' }, values: { count: 1 } }];
        },
        place: (cell, summaryId) =>
          summaryId === '~all' ? cell : cell.dims['parity'] === 'even' ? { dims: { kind: 'pair' }, values: cell.values } : undefined,
      },
    };
    const cellsOf = (record: DocumentRecord<object> | null | undefined) =>
      Object.values((record?.doc as { cells?: Record<string, unknown> } | undefined)?.cells ?? {});

    it('nets each event’s old and new cells and puts the change, as placed, in every summary it names', () => {
      const result = foldEvents(twice, new Map(), [event(1, 'Added', { ids: ['a', 'b'] }), event(2, 'Added', { ids: ['a'] })], compare);
      expect(cellsOf(result.changed.get('~all'))).toEqual([
        { dims: { parity: 'odd' }, values: { count: 1 } },
        { dims: { parity: 'even' }, values: { count: 1 } },
      ]);
      expect(cellsOf(result.changed.get('~even'))).toEqual([{ dims: { kind: 'pair' }, values: { count: 1 } }]);
      expect(result.changed.get('a')).toEqual({ id: 'a', doc: { total: 2 }, position: '2' });
    });

    it('nets cell objects a projection hands out again (old and new alike) as it nets equal copies', () => {
      // Each document counts once per total reached so far: its old cells are a prefix of its new ones.
      const shared = new Map<string, { dims: { reached: number }; values: { count: number } }>();
      const cellFor = (reached: number, fresh: boolean) => {
        const cell = { dims: { reached }, values: { count: 1 } };
        if (fresh) return cell;
        const known = shared.get(String(reached)) ?? cell;
        shared.set(String(reached), known);
        return known;
      };
      const history = (fresh: boolean): AnyProjection => ({
        ...totals,
        summary: {
          documentId: () => ['~all', '~late'],
          cells: (doc) => Array.from({ length: (doc as { total: number }).total }, (_, i) => cellFor(i + 1, fresh)),
          place: (cell, summaryId) => (summaryId === '~all' || (cell.dims['reached'] as number) > 1 ? cell : undefined),
        },
      });
      const events = [
        event(1, 'Added', { ids: ['a', 'b'] }),
        event(2, 'Added', { ids: ['a'] }),
        event(3, 'Added', { ids: ['a', 'b'] }),
        event(4, 'Removed', { ids: ['b'] }),
      ];
      const withShared = foldEvents(history(false), new Map(), events, compare);
      const withCopies = foldEvents(history(true), new Map(), events, compare);
      expect(withShared.changed).toEqual(withCopies.changed);
      expect(cellsOf(withShared.changed.get('~all'))).toEqual([
        { dims: { reached: 1 }, values: { count: 1 } },
        { dims: { reached: 2 }, values: { count: 1 } },
        { dims: { reached: 3 }, values: { count: 1 } },
      ]);
      expect(cellsOf(withShared.changed.get('~late'))).toEqual([
        { dims: { reached: 2 }, values: { count: 1 } },
        { dims: { reached: 3 }, values: { count: 1 } },
      ]);
    });

    it('leaves a summary the event places nothing in as it was, cells that come to nothing there included', () => {
      const first = foldEvents(twice, new Map(), [event(1, 'Added', { ids: ['a'] })], compare);
      expect(first.changed.has('~even')).toBe(false);
      expect(first.changed.get('~all')?.position).toBe('1');
      // One form for both parities there: a document moving from odd to even changes nothing in '~even'.
      const oneForm: AnyProjection = {
        ...twice,
        summary: {
          ...(twice.summary as NonNullable<AnyProjection['summary']>),
          place: (cell, summaryId) => (summaryId === '~all' ? cell : { dims: { kind: 'any' }, values: cell.values }),
        },
      };
      const current = new Map<string, DocumentRecord<object>>();
      for (const [id, record] of foldEvents(oneForm, new Map(), [event(1, 'Added', { ids: ['a'] })], compare).changed) {
        if (record) current.set(id, record);
      }
      expect(current.get('~even')?.position).toBe('1');
      const moved = foldEvents(oneForm, current, [event(2, 'Added', { ids: ['a'] })], compare);
      expect(moved.changed.has('~even')).toBe(false);
      expect(cellsOf(moved.changed.get('~all'))).toEqual([{ dims: { parity: 'even' }, values: { count: 1 } }]);
    });
  });

  describe('with summaries named from the documents (summary.documentIdOf)', () => {
    // A document's group comes with its first event only; its cells go to its group's summary.
    const grouped: AnyProjection = {
      ...totals,
      evolve: (doc, e) => {
        const before = doc as { group: string; total: number } | null;
        return { group: before?.group ?? (e.data as { group: string }).group, total: (before?.total ?? 0) + 1 };
      },
      summary: {
        documentId: () => '~all',
        documentIdOf: (e, doc) => `~g:${(doc as { group?: string } | null)?.group ?? (e.data as { group: string }).group}`,
        cells: (doc) => [{ dims: {}, values: { count: 1, total: (doc as { total: number }).total } }],
      },
    };
    const valuesOf = (record: DocumentRecord<object> | null | undefined) =>
      Object.values((record?.doc as { cells?: Record<string, { values: object }> } | undefined)?.cells ?? {}).map((cell) => cell.values);
    const history = [
      event(1, 'Added', { ids: ['a'], group: 'x' }),
      event(2, 'Added', { ids: ['b'], group: 'y' }),
      event(3, 'Added', { ids: ['a'] }),
      event(4, 'Added', { ids: ['a', 'b'] }),
    ];

    it('adds each document’s change to the summaries its form before the event names, and to the event’s', () => {
      const result = foldEvents(grouped, new Map(), history, compare);
      expect(valuesOf(result.changed.get('~g:x'))).toEqual([{ count: 1, total: 3 }]);
      expect(valuesOf(result.changed.get('~g:y'))).toEqual([{ count: 1, total: 2 }]);
      expect(valuesOf(result.changed.get('~all'))).toEqual([{ count: 2, total: 5 }]);
    });

    it('stops before an event naming a summary the caller has not loaded, and names it', () => {
      const loaded = new Set(['a', 'b', '~all', '~g:x']);
      const result = foldEvents(grouped, new Map(), history, compare, undefined, (id) => loaded.has(id));
      expect(result).toMatchObject({ lastHandled: 0, applied: 1, missing: ['~g:y'] });
      expect([...result.changed.keys()].sort()).toEqual(['a', '~all', '~g:x']);
    });
  });
});
