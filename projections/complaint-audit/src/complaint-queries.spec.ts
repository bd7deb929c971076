import type { ComplaintEvent } from '@crm/service/domain';
import { InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { type FieldCondition, foldEvents, InMemoryReadStore, type AnyProjection, type RecordedOf, timeRange } from '@crm/shared/read-model';
import { complaintAuditProjection, type ComplaintAuditDoc } from './complaint-audit.projection';
import { commands, DAY, history, HOUR, recorded, step, T0 } from './complaint-history.fixture';
import { complaintKpis } from './complaint-kpis';
import { complaintKpisProjection, isComplaintKpiRow, type ComplaintKpiRow, type ComplaintKpiSlots } from './complaint-kpis.projection';
import {
  ComplaintKpiAnswers,
  readAuditTrail,
  readComplaintKpis,
  readComplaintKpisFromTree,
  readComplaintKpisOfPeriod,
} from './complaint-queries';

const c = commands('c-5');

describe('readAuditTrail', () => {
  it('serves the trail with the integrity of the stream as stored now, and nothing for an unknown complaint', async () => {
    const events = new InMemoryEventStore();
    const stream = await recorded(events, 'c-5', history('c-5', [step(0, c.receive), step(HOUR, c.acknowledge)]));
    const doc = stream.reduce<ComplaintAuditDoc | null>(
      (current, event) => complaintAuditProjection.evolve(current, event as RecordedOf<ComplaintEvent>, 'x'),
      null,
    );
    const store = new InMemoryReadStore();
    await store.transaction((tx) => tx.put('audit', 'default:c-5', doc as ComplaintAuditDoc));

    const trail = await readAuditTrail(store, 'audit', events, 'default', 'c-5');
    expect(trail).toMatchObject({ complaintId: 'c-5', status: 'acknowledged', integrity: { ok: true, checked: 2 } });
    expect(trail?.steps.map((s) => [s.revision, s.hash])).toEqual(stream.map((e) => [e.revision, e.metadata.hash]));
    expect(trail).not.toHaveProperty('tenantId');
    expect(await readAuditTrail(store, 'audit', events, 'default', 'c-6')).toBeUndefined();
    expect(await readAuditTrail(store, 'audit', events, 'acme', 'c-5')).toBeUndefined();
  });

  it('says the trail disagrees with the stream when what it shows was edited in the read model, hashes left alone', async () => {
    const events = new InMemoryEventStore();
    const stream = await recorded(events, 'c-7', history('c-7', [step(0, c.receive), step(HOUR, c.acknowledge)]));
    const doc = stream.reduce<ComplaintAuditDoc | null>(
      (current, event) => complaintAuditProjection.evolve(current, event as RecordedOf<ComplaintEvent>, 'default:c-7'),
      null,
    ) as ComplaintAuditDoc;
    const store = new InMemoryReadStore();
    const shown = async (edited: ComplaintAuditDoc) => {
      await store.transaction((tx) => tx.put('audit', 'default:c-7', edited));
      return (await readAuditTrail(store, 'audit', events, 'default', 'c-7'))?.integrity;
    };
    expect(await shown(doc)).toMatchObject({ ok: true, checked: 2 });
    // Before, each of these was shown with integrity ok: only the steps' types and hashes were compared.
    const [first, second] = doc.steps as [ComplaintAuditDoc['steps'][number], ComplaintAuditDoc['steps'][number]];
    const mallory = { ...second, actor: { ...second.actor, id: 'mallory' } };
    expect(await shown({ ...doc, steps: [first, mallory] })).toEqual({
      ok: false,
      checked: 2,
      brokenAtRevision: 1,
      reason: 'read_model_mismatch',
    });
    expect(await shown({ ...doc, steps: [{ ...first, occurredAt: '2020-01-01T00:00:00.000Z' }, second] })).toMatchObject({
      ok: false,
      brokenAtRevision: 0,
    });
    expect(await shown({ ...doc, status: 'closed' })).toMatchObject({ ok: false, brokenAtRevision: 1, reason: 'read_model_mismatch' });
    // A build of another version of the projection (served while this one's rebuild runs) is not held to this fold.
    const older = `complaint_audit_v${complaintAuditProjection.version + 1}_1`;
    await store.transaction((tx) => tx.put(older, 'default:c-7', { ...doc, status: 'closed' }));
    expect((await readAuditTrail(store, older, events, 'default', 'c-7'))?.integrity).toMatchObject({ ok: true, checked: 2 });
  });
});

describe('readComplaintKpis', () => {
  it('reads every row of the tenant and period, page after page', async () => {
    const store = new InMemoryReadStore();
    const row = (i: number, tenantId = 'default'): ComplaintKpiRow => ({
      tenantId,
      complaintId: `k${i}`,
      receivedAt: new Date(Date.parse('2025-03-01T00:00:00Z') + (i % 30) * 86_400_000).toISOString(),
      channel: 'web',
      category: 'x',
      categoryKey: 'x',
      acknowledgeBy: '2025-03-02T00:00:00.000Z',
      resolveBy: '2025-03-08T00:00:00.000Z',
      steps: [],
      lastRevision: 0,
    });
    await store.transaction((tx) => {
      for (let i = 0; i < 2500; i += 1) tx.put('kpis', `default:k${i}`, row(i));
      tx.put('kpis', 'acme:k0', row(0, 'acme'));
    });
    const all = await readComplaintKpis(store, 'kpis', { tenantId: 'default', asOf: '2025-06-01T00:00:00Z' });
    expect(all.complaints).toBe(2500);
    // One day apart, 30 days round: 1 and 2 March take i % 30 = 0 or 1, 84 rows each below 2500.
    const march1to2 = await readComplaintKpis(store, 'kpis', {
      tenantId: 'default',
      receivedAt: timeRange('2025-03-01', '2025-03-02'),
      asOf: '2025-06-01T00:00:00Z',
    });
    expect(march1to2.complaints).toBe(168);
  });

  it('pages by key without losing or repeating rows that share one receipt instant', async () => {
    const store = new InMemoryReadStore();
    const at = (i: number) => (i < 2300 ? '2025-03-01T00:00:00.000Z' : '2025-03-02T00:00:00.000Z');
    await store.transaction((tx) => {
      for (let i = 0; i < 2500; i += 1) {
        const complaintId = `k${String(i).padStart(4, '0')}`;
        tx.put('kpis', `default:${complaintId}`, {
          tenantId: 'default',
          complaintId,
          receivedAt: at(i),
          channel: 'web',
          category: `c${i}`,
          categoryKey: `c${i}`,
          acknowledgeBy: '2025-03-03T00:00:00.000Z',
          resolveBy: '2025-03-09T00:00:00.000Z',
          steps: [],
          lastRevision: 0,
        } satisfies ComplaintKpiRow);
      }
    });
    const all = await readComplaintKpis(store, 'kpis', { tenantId: 'default', asOf: '2025-06-01T00:00:00Z' });
    expect(all.complaints).toBe(2500);
    // Every category once: no row read twice, none skipped.
    expect(all.byCategory).toHaveLength(2500);
    const second = await readComplaintKpis(store, 'kpis', {
      tenantId: 'default',
      receivedAt: timeRange('2025-03-02'),
      asOf: '2025-06-01T00:00:00Z',
    });
    expect(second.complaints).toBe(200);
  });
});

describe('readComplaintKpisFromTree', () => {
  // Resolved four times (more stretches than slots), resolved once, acknowledged only, and one never touched.
  const busy = commands('c-busy');
  const once = commands('c-once');
  const ack = commands('c-ack');
  const idle = commands('c-idle');
  const resolveCycle = (start: number, c: ReturnType<typeof commands>) => [
    step(start, c.respond),
    step(start + HOUR, c.decide),
    step(start + 2 * HOUR, c.close('resolved')),
  ];
  const histories = [
    history('c-busy', [
      step(0, busy.receive),
      step(HOUR, busy.acknowledge),
      step(2 * HOUR, busy.assess('high')),
      ...resolveCycle(DAY, busy),
      step(10 * DAY, busy.reopen),
      ...resolveCycle(20 * DAY, busy),
      step(40 * DAY, busy.reopen),
      ...resolveCycle(45 * DAY, busy),
      step(70 * DAY, busy.reopen),
      ...resolveCycle(71 * DAY, busy),
    ]),
    history('c-once', [
      step(3 * HOUR, once.receive),
      step(5 * HOUR, once.acknowledge),
      step(6 * HOUR, once.assess('low')),
      ...resolveCycle(3 * DAY, once),
    ]),
    history('c-ack', [step(4 * DAY, ack.receive), step(4 * DAY + 30, ack.acknowledge)]),
    history('c-idle', [step(33 * DAY, idle.receive)]),
  ];

  it('equals the complaint-by-complaint fold at instants around every step, a complaint beyond the slots included', async () => {
    const events = histories.flat().map(
      (event, i) =>
        ({
          ...event,
          revision: Number(String(event.metadata.eventId).split('-').at(-1)),
          position: String(i + 1),
          metadata: { ...event.metadata, tenantId: 'default' },
        }) as unknown as RecordedOf<ComplaintEvent>,
    );
    const store = new InMemoryReadStore();
    const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, new Map(), events, (a, b) => Number(a) - Number(b));
    await store.transaction((tx) => {
      for (const [id, record] of folded.changed) if (record) tx.put('kpis', id, record.doc, record.position);
    });
    const busyRow = folded.changed.get('default:c-busy')?.doc as ComplaintKpiRow;
    expect(busyRow.kMulti).toBe(1);
    // Beyond its slots it has no slots document (made at its acknowledgement, removed when its stretches outgrew them): a median
    // reads it whole, once, through kMulti.
    expect(folded.changed.has('default:~kpid:c-busy')).toBe(true);
    expect(folded.changed.get('default:~kpid:c-busy')).toBeNull();
    expect(folded.changed.get('default:~kpid:c-once')?.doc).toMatchObject({ tenantId: 'default', complaintId: 'c-once' });
    const rows = [...folded.changed.values()].flatMap((record) => (record && isComplaintKpiRow(record.doc) ? [record.doc] : []));
    rows.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : 1));
    const instants = [...new Set(events.map((event) => String(event.metadata.occurredAt)))].flatMap((at) => [
      new Date(Date.parse(at) - 1).toISOString(),
      at,
      new Date(Date.parse(at) + 7 * 86_400_000).toISOString(),
    ]);
    for (const asOf of instants) {
      const expected = complaintKpis(rows, asOf);
      expect({ asOf, kpis: await readComplaintKpisFromTree(store, 'kpis', 'default', asOf) }).toEqual({ asOf, kpis: expected });
    }
    expect(complaintKpis(rows, '2025-07-01T00:00:00.000Z').timeToResolve.count).toBe(2);
  });
});

describe('readComplaintKpisFromTree, medians among ties and later stretches', () => {
  // 30 complaints: 16 resolved after exactly 5 days 3 hours (ties in the first slot), 3 reopened and resolved again
  // after exactly as long (ties between slots), 3 resolved five times (beyond the slots); the medians fall among the
  // ties, past the values of the other slots, so the first slot's window is read from an offset.
  const complaint = (i: number) => {
    const c = commands(`t-${i}`);
    const start = i * 30;
    const steps = [
      step(start, c.receive),
      step(start + HOUR, c.acknowledge),
      step(start + 2 * HOUR, c.assess('medium')),
      step(start + 3 * HOUR, c.respond),
      step(start + 4 * HOUR, c.decide),
      step(start + (i >= 10 && i <= 25 ? 5 * DAY + 3 * HOUR : DAY + (i % 3) * HOUR), c.close('resolved')),
    ];
    const cycles = i < 3 ? 1 : i >= 27 ? 4 : 0;
    for (let k = 1; k <= cycles; k += 1) {
      const at = start + (2 + 3 * k) * DAY;
      steps.push(step(at, c.reopen), step(at + HOUR, c.respond), step(at + 2 * HOUR, c.decide), step(at + 3 * HOUR, c.close('resolved')));
    }
    return history(`t-${i}`, steps);
  };
  it('equals the fold at every day of the history', async () => {
    const events = Array.from({ length: 30 }, (_, i) => complaint(i))
      .flat()
      .sort((a, b) => (String(a.metadata.occurredAt) < String(b.metadata.occurredAt) ? -1 : 1))
      .map(
        (event, i) =>
          ({
            ...event,
            revision: Number(String(event.metadata.eventId).split('-').at(-1)),
            position: String(i + 1),
            metadata: { ...event.metadata, tenantId: 'default' },
          }) as unknown as RecordedOf<ComplaintEvent>,
      );
    const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, new Map(), events, (a, b) => Number(a) - Number(b));
    if (folded.failure) throw folded.failure.error;
    const store = new InMemoryReadStore();
    await store.transaction((tx) => {
      for (const [id, record] of folded.changed) if (record) tx.put('kpis', id, record.doc, record.position);
    });
    const rows = [...folded.changed.values()].flatMap((record) => (record && isComplaintKpiRow(record.doc) ? [record.doc] : []));
    rows.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : 1));
    expect(rows.filter((row) => row.kMulti === 1)).toHaveLength(3);
    // The slots are documents of their own: the three complaints resolved twice each hold the tie in their second slot.
    const slots = [...folded.changed.values()].flatMap((record) =>
      record && 'kRecv' in record.doc ? [record.doc as ComplaintKpiSlots] : [],
    );
    expect(slots.filter((doc) => doc.kRes1Ms === 5 * DAY * 60_000 + 3 * HOUR * 60_000)).toHaveLength(3);
    expect(rows.some((row) => Object.keys(row).some((field) => /^k(Ack|Res)/.test(field)))).toBe(false);
    expect(complaintKpis(rows, '2025-04-01T00:00:00.000Z').timeToResolve.medianHours).toBe(123);
    for (let day = 0; day < 24; day += 1) {
      const asOf = new Date(Date.parse('2025-03-01T18:00:00.000Z') + day * 86_400_000).toISOString();
      const expected = complaintKpis(rows, asOf);
      expect({ asOf, kpis: await readComplaintKpisFromTree(store, 'kpis', 'default', asOf) }).toEqual({ asOf, kpis: expected });
    }
    expect(complaintKpis(rows, '2025-03-20T00:00:00.000Z').timeToResolve.count).toBeGreaterThan(20);
  });
});

describe('readComplaintKpisOfPeriod, a step dated before its receipt month', () => {
  it('counts the step in the tree of its receipt month, as the fold does', async () => {
    const c9 = commands('c-9');
    // Received on 2 May 2025; its acknowledgement records 11 March, before the receipt month.
    const events = history('c-9', [step(62 * DAY, c9.receive), step(62 * DAY + HOUR, c9.acknowledge)]).map((event, i) => ({
      ...event,
      ...(event.type === 'ComplaintAcknowledged' ? { data: { ...event.data, acknowledgedAt: '2025-03-11T09:00:00.000Z' } } : {}),
      revision: i,
      position: String(i + 1),
      metadata: { ...event.metadata, tenantId: 'default' },
    })) as unknown as RecordedEvent[];
    const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, new Map(), events, (a, b) => Number(a) - Number(b));
    const store = new InMemoryReadStore();
    await store.transaction((tx) => {
      for (const [id, record] of folded.changed) if (record) tx.put('kpis', id, record.doc, record.position);
    });
    const rows = [...folded.changed.values()].flatMap((record) => (record && isComplaintKpiRow(record.doc) ? [record.doc] : []));
    const asOf = '2025-07-15T00:00:00.000Z';
    const expected = complaintKpis(rows, asOf);
    expect(expected.timeToAcknowledge.count).toBe(1);
    // May is a whole month before July: read from the trees. As of July, the tree of May is read at node 306 (the
    // nodes of June's prefix at or above May): a change placed from March's month on (nodes 303, 304, 320, …) would
    // be missed there; it goes where one dated in May would (305, 306, 308, …).
    for (const [from, to] of [
      ['2025-05-01', '2025-05-31'],
      ['2025-01-01', '2025-06-30'],
    ] as const) {
      expect(await readComplaintKpisOfPeriod(store, 'kpis', 'default', timeRange(from, to) as FieldCondition, asOf)).toEqual(expected);
    }
  });
});

describe('complaint KPIs in business months and days (Asia/Tehran), not UTC', () => {
  // Minutes from the fixture's T0 to an instant.
  const at = (instant: string) => (Date.parse(instant) - Date.parse(T0)) / 60_000;
  const received = (complaintId: string, instant: string) => {
    const c = commands(complaintId);
    return history(complaintId, [step(at(instant), c.receive), step(at(instant) + HOUR, c.acknowledge)]);
  };
  let store: InMemoryReadStore;
  let rows: ComplaintKpiRow[];
  beforeAll(async () => {
    const events = [
      // 23:30 on 31 March 2025 in Tehran (+03:30): March.
      ...received('c-mar', '2025-03-31T20:00:00.000Z'),
      // 00:15 on 1 April 2025 in Tehran: April, though UTC still says 31 March.
      ...received('c-apr', '2025-03-31T20:45:00.000Z'),
      // Summer 2021, Tehran then on +04:30: 23:45 on 31 July, then 00:15 on 1 August.
      ...received('c-jul21', '2021-07-31T19:15:00.000Z'),
      ...received('c-aug21', '2021-07-31T19:45:00.000Z'),
    ].map(
      (event, i) =>
        ({
          ...event,
          revision: Number(String(event.metadata.eventId).split('-').at(-1)),
          position: String(i + 1),
          metadata: { ...event.metadata, tenantId: 'default' },
        }) as unknown as RecordedEvent,
    );
    const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, new Map(), events, (a, b) => Number(a) - Number(b));
    if (folded.failure) throw folded.failure.error;
    store = new InMemoryReadStore();
    await store.transaction((tx) => {
      for (const [id, record] of folded.changed) if (record) tx.put('kpis', id, record.doc, record.position);
    });
    rows = [...folded.changed.values()].flatMap((record) => (record && isComplaintKpiRow(record.doc) ? [record.doc] : []));
    rows.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : 1));
  });
  const asOf = '2025-06-15T12:00:00.000Z';
  const rowsOf = (...ids: string[]) => rows.filter((row) => ids.includes(row.complaintId));

  it('counts a complaint received at 00:15 on 1 April in Tehran in April’s KPIs, read from the trees of the receipt months', async () => {
    const april = await readComplaintKpisOfPeriod(store, 'kpis', 'default', timeRange('2025-04-01', '2025-04-30') as FieldCondition, asOf);
    // Defined: 1 to 30 April are a whole business month of the trees.
    expect(april).toEqual(complaintKpis(rowsOf('c-apr'), asOf));
    expect(april?.complaints).toBe(1);
    const march = await readComplaintKpisOfPeriod(store, 'kpis', 'default', timeRange('2025-03-01', '2025-03-31') as FieldCondition, asOf);
    expect(march).toEqual(complaintKpis(rowsOf('c-mar'), asOf));
  });

  it('leaves it out of `to=2025-03-31` (that business day ends at 20:29:59.999 UTC)', async () => {
    const upTo = await readComplaintKpis(store, 'kpis', { tenantId: 'default', receivedAt: timeRange('2025-01-01', '2025-03-31'), asOf });
    expect(upTo).toEqual(complaintKpis(rowsOf('c-mar'), asOf));
    const from = await readComplaintKpis(store, 'kpis', { tenantId: 'default', receivedAt: timeRange('2025-04-01'), asOf });
    expect(from.complaints).toBe(1);
  });

  it('counts one received at 00:15 on 1 August 2021 in Tehran (+04:30 then) in August', async () => {
    const august = await readComplaintKpisOfPeriod(store, 'kpis', 'default', timeRange('2021-08-01', '2021-08-31') as FieldCondition, asOf);
    expect(august).toEqual(complaintKpis(rowsOf('c-aug21'), asOf));
    const july = await readComplaintKpisOfPeriod(store, 'kpis', 'default', timeRange('2021-07-01', '2021-07-31') as FieldCondition, asOf);
    expect(july).toEqual(complaintKpis(rowsOf('c-jul21'), asOf));
  });

  it('reads the tree as of the end of March in Tehran, and the instants either side of it, as the fold does', async () => {
    for (const instant of [
      '2025-03-31T20:29:59.999Z',
      '2025-03-31T20:30:00.000Z',
      '2025-03-31T20:45:00.000Z',
      '2025-04-01T00:00:00.000Z',
    ]) {
      expect({ instant, kpis: await readComplaintKpisFromTree(store, 'kpis', 'default', instant) }).toEqual({
        instant,
        kpis: complaintKpis(rows, instant),
      });
    }
    expect((await readComplaintKpisFromTree(store, 'kpis', 'default', '2025-03-31T20:29:59.999Z'))?.complaints).toBe(3);
  });
});

/**
 * A median reads the histogram (tree nodes, marked complaints), then the values of the one bucket its rank falls in
 * (the slots): two reads, and a projector commit can land between them. Here a reopening, which ends the only
 * resolution's stretch: the histogram counted one value in its bucket, the slots held none any more, and the read
 * threw (`rank 0 not found in bucket …`: a 500).
 */
describe('complaint KPI medians with a commit between the histogram and the bucket’s values', () => {
  const c1 = commands('c-1');
  const resolved = [
    step(0, c1.receive),
    step(HOUR, c1.acknowledge),
    step(2 * HOUR, c1.assess('medium')),
    step(3 * HOUR, c1.respond),
    step(4 * HOUR, c1.decide),
    step(DAY, c1.close('resolved')),
  ];
  // Reopened on 5 April 2025, after its resolution of 2 March.
  const reopened = [...resolved, step(35 * DAY, c1.reopen)];
  const asOf = '2025-04-10T12:00:00.000Z';
  const fold = async (steps: typeof resolved) => {
    const events = history('c-1', steps).map(
      (event, i) =>
        ({
          ...event,
          revision: i,
          position: String(i + 1),
          metadata: { ...event.metadata, tenantId: 'default' },
        }) as unknown as RecordedEvent,
    );
    const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, new Map(), events, (a, b) => Number(a) - Number(b));
    if (folded.failure) throw folded.failure.error;
    const store = new InMemoryReadStore();
    await store.transaction((tx) => {
      for (const [id, record] of folded.changed) if (record) tx.put('kpis', id, record.doc, record.position);
    });
    const rows = [...folded.changed.values()].flatMap((record) => (record && isComplaintKpiRow(record.doc) ? [record.doc] : []));
    return { store, rows };
  };
  /** `before` answers every read until the first read of a duration slot's bucket; from it on (the commit landed), `after`. */
  const interleaved = (before: InMemoryReadStore, after: InMemoryReadStore) => {
    let landed = false;
    return new Proxy(after, {
      get: (target, name) => {
        const member = Reflect.get(target, name, target) as unknown;
        if (typeof member !== 'function') return member;
        return (collection: string, query?: unknown) => {
          const where = (query as { where?: object } | undefined)?.where;
          if (name === 'find' && where !== undefined && Object.keys(where).some((field) => /^k(Ack|Res)\d?B$/.test(field))) landed = true;
          const store = landed ? after : before;
          return (Reflect.get(store, name) as (...args: unknown[]) => unknown).call(store, collection, query);
        };
      },
    });
  };

  it('answers as of the commit after it, from the tree and for a received period, never throwing', async () => {
    const before = await fold(resolved);
    const after = await fold(reopened);
    expect(complaintKpis(before.rows, asOf).timeToResolve).toMatchObject({ count: 1, medianHours: 24 });
    const expected = complaintKpis(after.rows, asOf);
    expect(expected.timeToResolve).toMatchObject({ count: 0, medianHours: null });
    expect(await readComplaintKpisFromTree(interleaved(before.store, after.store), 'kpis', 'default', asOf)).toEqual(expected);
    const march = timeRange('2025-03-01', '2025-03-31') as FieldCondition;
    expect(await readComplaintKpisOfPeriod(interleaved(before.store, after.store), 'kpis', 'default', march, asOf)).toEqual(expected);
    const answers = new ComplaintKpiAnswers();
    expect(await answers.read(interleaved(before.store, after.store), 'kpis', 'default', asOf)).toEqual(expected);
    expect(await readComplaintKpis(interleaved(before.store, after.store), 'kpis', { tenantId: 'default', asOf })).toEqual(expected);
  });

  it('reads the complaints one by one when every read of the tree takes a commit between its reads', async () => {
    const before = await fold(resolved);
    const after = await fold(reopened);
    // Each answer read afresh meets the commit again (a store written to without pause): its reads from before the
    // commit up to the first slots read, from after it on, until the root is read again; then before again.
    let landed = false;
    const restless = new Proxy(after.store, {
      get: (target, name) => {
        const member = Reflect.get(target, name, target) as unknown;
        if (typeof member !== 'function') return member;
        return (collection: string, query?: unknown) => {
          const where = (query as { where?: object } | undefined)?.where;
          if (name === 'find' && where !== undefined && Object.keys(where).some((field) => /^k(Ack|Res)\d?B$/.test(field))) landed = true;
          const store = landed ? after.store : before.store;
          if (name === 'getMany' && landed) landed = false;
          return (Reflect.get(store, name) as (...args: unknown[]) => unknown).call(store, collection, query);
        };
      },
    });
    expect(await readComplaintKpisFromTree(restless, 'kpis', 'default', asOf)).toBeUndefined();
    // readComplaintKpis then reads the complaints one by one: an answer of one commit, never a mix.
    const kpis = await readComplaintKpis(restless, 'kpis', { tenantId: 'default', asOf });
    expect([complaintKpis(before.rows, asOf), complaintKpis(after.rows, asOf)]).toContainEqual(kpis);
  });
});
