import { defineProjection, type Projection } from '@crm/shared/read-model';
import type { Event } from '@crm/shared/event-sourcing';
import { projectionSpec } from './projection-specification';

type CounterEvent =
  Event<'Opened', { id: string; owner: string }> | Event<'Bumped', { id: string; by: number }> | Event<'Closed', { id: string }>;

interface Counter {
  readonly id: string;
  readonly owner: string;
  readonly total: number;
  readonly history: readonly number[];
}

const counters = defineProjection<Counter, CounterEvent>({
  name: 'counters',
  version: 1,
  collection: 'counters',
  eventTypes: ['Opened', 'Bumped', 'Closed'],
  documentId: (event) => event.data.id,
  evolve(doc, event) {
    switch (event.type) {
      case 'Opened':
        return { id: event.data.id, owner: event.data.owner, total: 0, history: [] };
      case 'Bumped':
        return doc && { ...doc, total: doc.total + event.data.by, history: [...doc.history, event.data.by] };
      case 'Closed':
        return null;
    }
  },
});

describe('projectionSpec', () => {
  it('folds the history into documents, deleting on null', () => {
    projectionSpec(counters)
      .given([
        { type: 'Opened', data: { id: 'a', owner: 'مریم' } },
        { type: 'Bumped', data: { id: 'a', by: 2 } },
        { type: 'Opened', data: { id: 'b', owner: 'Ali' } },
        { type: 'Bumped', data: { id: 'a', by: 3 } },
        { type: 'Closed', data: { id: 'b' } },
      ])
      .thenDocuments({ a: { id: 'a', owner: 'مریم', total: 5, history: [2, 3] } });
  });

  it('checks one document, or its absence', () => {
    const spec = projectionSpec(counters).given([{ type: 'Opened', data: { id: 'a', owner: 'x' } }]);
    spec.thenDocument('a', { id: 'a', owner: 'x', total: 0, history: [] });
    spec.thenDocument('b', null);
  });

  it('rejects an evolve that mutates the document it was given', () => {
    const mutating = defineProjection<{ items: number[] }, CounterEvent>({
      ...(counters as unknown as Projection<{ items: number[] }, CounterEvent>),
      evolve: (doc, event) => {
        if (!doc) return { items: [] };
        doc.items.push(event.type.length);
        return doc;
      },
    });
    const spec = projectionSpec(mutating).given([
      { type: 'Opened', data: { id: 'a', owner: 'x' } },
      { type: 'Bumped', data: { id: 'a', by: 1 } },
    ]);
    expect(() => spec.thenDocuments({})).toThrow(/failed on Bumped at position 2/);
  });

  it('rejects a projection that is not deterministic', () => {
    let calls = 0;
    const clocked = defineProjection<{ seen: number }, CounterEvent>({
      ...(counters as unknown as Projection<{ seen: number }, CounterEvent>),
      evolve: () => ({ seen: (calls += 1) }),
    });
    expect(() =>
      projectionSpec(clocked)
        .given([{ type: 'Opened', data: { id: 'a', owner: 'x' } }])
        .thenDocuments({ a: { seen: 1 } }),
    ).toThrow(/a second run gave other documents/);
  });

  it('uses the envelope fields a test gives and reports a projection failure', () => {
    const byStream = defineProjection<{ at: string }, CounterEvent>({
      ...(counters as unknown as Projection<{ at: string }, CounterEvent>),
      documentId: (event) => event.streamId,
      evolve: (_doc, event) => {
        if (event.type === 'Closed') throw new Error('closing is not supported');
        return { at: event.metadata.occurredAt };
      },
    });
    const given = (type: 'Opened' | 'Closed') =>
      projectionSpec(byStream).given([
        { type: 'Opened', data: { id: 'a', owner: 'x' }, streamId: 'counter-a', metadata: { occurredAt: '2026-03-20T10:00:00.000Z' } },
        ...(type === 'Closed' ? [{ type, data: { id: 'a' } } as const] : []),
      ]);
    given('Opened').thenDocuments({ 'counter-a': { at: '2026-03-20T10:00:00.000Z' } });
    given('Closed').thenFails('closing is not supported');
  });
});
