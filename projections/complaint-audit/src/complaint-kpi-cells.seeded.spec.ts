import { recordedDemoHistory } from '@crm/demo-data';
import {
  type FieldCondition,
  foldEvents,
  InMemoryReadStore,
  isSummaryDoc,
  timeRange,
  type AnyProjection,
  type DocumentRecord,
} from '@crm/shared/read-model';
import { complaintKpis } from './complaint-kpis';
import { complaintKpisProjection, isComplaintKpiRow, type ComplaintKpiRow } from './complaint-kpis.projection';
import { ComplaintKpiAnswers, readComplaintKpis, readComplaintKpisFromTree, readComplaintKpisOfPeriod } from './complaint-queries';
import { KPI_MONTHS, kpiNodeId } from './complaint-kpi-cells';

/**
 * Expects the KPIs of the complaints received in [from, to] as of asOf, read from the trees through `trees` (or,
 * where the trees cannot answer, row by row from `store`), to equal the complaint-by-complaint fold of those rows.
 * True when the trees answered.
 */
async function expectPeriodEqualsFold(
  rows: readonly ComplaintKpiRow[],
  trees: Parameters<typeof readComplaintKpisOfPeriod>[0],
  store: InMemoryReadStore,
  from: string | undefined,
  to: string | undefined,
  asOf: string,
): Promise<boolean> {
  const range = timeRange(from, to) as FieldCondition;
  const inPeriod = rows.filter(
    (row) =>
      (range.gte === undefined || row.receivedAt >= String(range.gte)) &&
      (range.lt === undefined || row.receivedAt < String(range.lt)) &&
      (range.lte === undefined || row.receivedAt <= String(range.lte)),
  );
  const actual = await readComplaintKpisOfPeriod(trees, 'kpis', 'default', range, asOf);
  expect(actual ?? (await readComplaintKpis(store, 'kpis', { tenantId: 'default', receivedAt: range, asOf }))).toEqual(
    complaintKpis(inPeriod, asOf),
  );
  return actual !== undefined;
}

/**
 * The tree path of the complaint KPIs against the complaint-by-complaint fold (the definition), on a seeded
 * history folded batch by batch through JSON as the runner does, at instants inside months and days, at month
 * ends and starts, before the history and after it.
 */
describe('complaint KPIs from the prefix-sum tree, on a seeded history', () => {
  let rows: ComplaintKpiRow[];
  const store = new InMemoryReadStore();
  beforeAll(async () => {
    const events = recordedDemoHistory({ events: 30_000, seed: 1 }, complaintKpisProjection.eventTypes);
    const documents = new Map<string, DocumentRecord<object>>();
    const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
    const root = kpiNodeId('default', KPI_MONTHS);
    let rootMoves = 0;
    // The first 3 000 events one by one, then batches of 300.
    for (let start = 0, size = 1; start < events.length; start += size, size = start < 3000 ? 1 : 300) {
      const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, documents, events.slice(start, start + size), compare);
      if (folded.failure) throw folded.failure.error;
      // The root moves with every change of a document (ComplaintKpiAnswers relies on it), even one that changes no figure.
      if (folded.changed.size > 0) {
        const latest = Math.max(...[...folded.changed.values()].map((record) => Number(record?.position ?? 0)));
        expect(Number(folded.changed.get(root)?.position)).toBe(latest);
        rootMoves += 1;
      }
      for (const [id, record] of folded.changed) {
        if (record) documents.set(id, JSON.parse(JSON.stringify(record)) as DocumentRecord<object>);
        else documents.delete(id);
      }
    }
    await store.transaction((tx) => {
      for (const [id, record] of documents) tx.put('kpis', id, record.doc, record.position);
    });
    expect(rootMoves).toBeGreaterThan(1000);
    rows = [...documents.values()].flatMap((record) => (isComplaintKpiRow(record.doc) ? [record.doc] : []));
    rows.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
    const nodes = [...documents.values()].filter((record) => isSummaryDoc(record.doc));
    // Small documents whatever the history: each node keeps its cells dated up to it without their month.
    const largest = Math.max(...nodes.map((record) => Object.keys((record.doc as { cells: object }).cells).length));
    expect(largest).toBeLessThan(1500);
  });

  const instants = [
    '2025-01-01T05:29:59.999Z',
    '2025-01-15T12:00:00.000Z',
    '2025-01-31T23:59:59.999Z',
    '2025-02-01T00:00:00.000Z',
    '2025-03-17T08:41:00.000Z',
    '2025-06-30T20:29:59.999Z',
    '2025-07-01T00:00:00.000Z',
    '2025-08-14T09:07:30.000Z',
    '2025-11-30T23:59:59.999Z',
    '2026-02-10T17:00:00.000Z',
    '2027-01-01T00:00:00.000Z',
  ];
  it.each(instants)('as of %s, equals the complaint-by-complaint fold, medians included', async (asOf) => {
    const expected = complaintKpis(rows, asOf);
    const actual = await readComplaintKpisFromTree(store, 'kpis', 'default', asOf);
    expect(actual).toEqual(expected);
  });

  it('has enough complaints, medians and categories for the comparison to mean something', () => {
    const late = complaintKpis(rows, '2025-08-14T09:07:30.000Z');
    expect(late.complaints).toBeGreaterThan(500);
    expect(late.timeToResolve.count).toBeGreaterThan(100);
    expect(late.timeToAcknowledge.medianHours).not.toBeNull();
    expect(late.byCategory.length).toBeGreaterThan(3);
    expect(late.slaCompliance.overdue).toBeGreaterThan(0);
  });

  describe('answers kept between requests', () => {
    const month = { from: Date.parse('2025-08-01T00:00:00.000Z'), to: Date.parse('2025-09-01T00:00:00.000Z') };
    // Every instant a complaint carries in the month: where figures can change.
    const edges = () => {
      const found = new Set<number>();
      const visit = (value: unknown): void => {
        if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
          const ms = Date.parse(value);
          if (ms >= month.from && ms < month.to) found.add(ms);
        } else if (Array.isArray(value)) value.forEach(visit);
        else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
      };
      rows.forEach(visit);
      return [...found].sort((a, b) => a - b);
    };
    const counting = () => {
      const calls = { find: 0, getMany: 0 };
      return {
        calls,
        store: {
          find: ((collection, query) => ((calls.find += 1), store.find(collection, query))) as typeof store.find,
          getMany: ((collection, ids) => ((calls.getMany += 1), store.getMany(collection, ids))) as typeof store.getMany,
        },
      };
    };

    it('serve only where the fresh answer is the same: around steps, deadlines and receipts of a month walked forwards', async () => {
      const answers = new ComplaintKpiAnswers();
      const { store: counted, calls } = counting();
      // 25 of the month's instants, evenly: just before one, on it, just after, and halfway to the next.
      const all = edges();
      const chosen = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 25)) === 0).slice(0, 25);
      expect(chosen.length).toBe(25);
      let reused = 0;
      for (const ms of chosen) {
        const next = all[all.indexOf(ms) + 1] ?? month.to;
        for (const at of [ms - 1, ms, ms + 1, Math.floor((ms + next) / 2)]) {
          const asOf = new Date(at).toISOString();
          const before = calls.find;
          const answer = await answers.read(counted, 'kpis', 'default', asOf);
          // A kept answer must be the one computed afresh; a fresh one is the tree's read (checked above).
          if (calls.find === before) {
            reused += 1;
            expect(answer).toEqual(complaintKpis(rows, asOf));
          }
        }
      }
      // Kept answers did serve, and the instants did make them be recomputed.
      expect(reused).toBeGreaterThan(15);
      expect(reused).toBeLessThan(75);
    });

    it.each([['2025-03-17', '2025-08-14T09:07:30.000Z']] as const)(
      'over a received period (%s to %s), serve only where the fresh answer is the same, the period’s end included',
      async (from, to) => {
        const answers = new ComplaintKpiAnswers();
        const { store: counted, calls } = counting();
        const range = timeRange(from, to) as FieldCondition;
        const received = (row: ComplaintKpiRow, asOf: string) =>
          row.receivedAt <= asOf &&
          (range.gte === undefined || row.receivedAt >= String(range.gte)) &&
          (range.lt === undefined || row.receivedAt < String(range.lt)) &&
          (range.lte === undefined || row.receivedAt <= String(range.lte));
        const end = Date.parse(String(range.lt ?? range.lte ?? '2100-01-01'));
        const all = [...edges(), ...(end >= month.from && end < month.to ? [end] : [])].sort((a, b) => a - b);
        const chosen = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 8)) === 0).slice(0, 8);
        let reused = 0;
        let fresh = 0;
        for (const ms of [...chosen, ...(end >= month.from && end < month.to ? [end] : [])]) {
          const next = all[all.indexOf(ms) + 1] ?? month.to;
          for (const at of [ms - 1, ms, ms + 1, Math.floor((ms + next) / 2)]) {
            const asOf = new Date(at).toISOString();
            const before = calls.find;
            const answer = await answers.read(counted, 'kpis', 'default', asOf, range);
            expect(answer).toEqual(
              complaintKpis(
                rows.filter((row) => received(row, asOf)),
                asOf,
              ),
            );
            if (calls.find === before) reused += 1;
            else fresh += 1;
          }
        }
        expect(reused).toBeGreaterThan(5);
        expect(fresh).toBeGreaterThan(5);
      },
    );

    it('are read again once the tree root moves (a complaint changed), and only then within an interval', async () => {
      const answers = new ComplaintKpiAnswers();
      const { store: counted, calls } = counting();
      const [a, b] = edges()
        .filter((ms, i, all) => i > 0 && ms - (all[i - 1] as number) > 10_000)
        .slice(0, 1)
        .flatMap((ms) => [ms - 5_000, ms - 4_000]);
      await answers.read(counted, 'kpis', 'default', new Date(a as number).toISOString());
      const finds = calls.find;
      await answers.read(counted, 'kpis', 'default', new Date(b as number).toISOString());
      expect(calls.find).toBe(finds);
      const root = kpiNodeId('default', KPI_MONTHS);
      const record = await store.get('kpis', root);
      await store.transaction((tx) => tx.put('kpis', root, record?.doc as object, `${Number(record?.position) + 1}`));
      await answers.read(counted, 'kpis', 'default', new Date(b as number).toISOString());
      expect(calls.find).toBeGreaterThan(finds);
      await store.transaction((tx) => tx.put('kpis', root, record?.doc as object, record?.position));
    });
  });

  it('answers nothing for another tenant', async () => {
    const other = await readComplaintKpisFromTree(store, 'kpis', 'acme', '2025-08-14T09:07:30.000Z');
    expect(other?.complaints).toBe(0);
  });

  describe('over a received period (from/to), from the trees of the receipt months', () => {
    const periods: readonly [string | undefined, string | undefined][] = [
      ['2025-02-01', '2025-04-30'],
      ['2025-01-10', '2025-05-20'],
      ['2025-03-17', '2025-03-17'],
      ['2025-01-01', '2025-01-31'],
      ['2025-06-15', '2026-02-10'],
      ['2024-11-01', '2027-12-31'],
      [undefined, '2025-09-30'],
      ['2025-04-01T06:30:00.000Z', undefined],
      ['2025-07-01', '2025-07-31T12:00:00.000Z'],
      ['2030-01-01', '2030-12-31'],
    ];
    const asOfs = [
      ...instants,
      '2025-05-01T00:00:00.000Z',
      '2025-09-30T23:59:59.999Z',
      '2025-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00.001Z',
      '2031-03-01T10:00:00.000Z',
    ];
    const cases = periods.flatMap(([from, to]) => asOfs.map((asOf) => [from, to, asOf] as const));
    let fromTrees = 0;

    it.each(cases)('from %s to %s as of %s, equals the complaint-by-complaint fold of the period', async (from, to, asOf) => {
      if (await expectPeriodEqualsFold(rows, store, store, from, to, asOf)) fromTrees += 1;
    });

    it('read most of those periods from the trees, over enough complaints to mean something', () => {
      expect(fromTrees).toBeGreaterThan(cases.length / 2);
      const year = rows.filter((row) => row.receivedAt >= '2025-06-15' && row.receivedAt < '2026-02-11');
      expect(complaintKpis(year, '2026-01-01T00:00:00.001Z').timeToResolve.count).toBeGreaterThan(100);
    });
  });
});

/**
 * Received periods of several years and across year ends, on a history of two and a half years (2025-01 … 2027-07):
 * whole years come from the trees of the receipt years, the whole months around them from the trees of the receipt
 * months, the partial edge months complaint by complaint; every answer equal to the complaint-by-complaint fold.
 */
describe('complaint KPIs over received periods of several years, on a seeded history', () => {
  let rows: ComplaintKpiRow[];
  const store = new InMemoryReadStore();
  const read = { yearNodes: 0, monthNodes: 0, tenantNodes: 0, markers: 0 };
  // Counts the documents of each kind a period read asks for.
  const counted = {
    find: ((collection, query) => {
      const where = query?.where as Record<string, unknown> | undefined;
      return store.find(collection, query).then((found) => {
        if (where !== undefined && 'kpiMonthRecv' in where) read.markers += found.length;
        return found;
      });
    }) as typeof store.find,
    getMany: ((collection, ids) => {
      for (const id of ids) {
        if (id.includes(':~kpiy:')) read.yearNodes += 1;
        if (id.includes(':~kpir:')) read.monthNodes += 1;
        if (id.includes(':~kpis:')) read.tenantNodes += 1;
      }
      return store.getMany(collection, ids);
    }) as typeof store.getMany,
  };
  beforeAll(async () => {
    const events = recordedDemoHistory({ events: 100_000, seed: 1 }, complaintKpisProjection.eventTypes);
    const documents = new Map<string, DocumentRecord<object>>();
    const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
    for (let start = 0; start < events.length; start += 500) {
      const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, documents, events.slice(start, start + 500), compare);
      if (folded.failure) throw folded.failure.error;
      for (const [id, record] of folded.changed) {
        if (record) documents.set(id, JSON.parse(JSON.stringify(record)) as DocumentRecord<object>);
        else documents.delete(id);
      }
    }
    await store.transaction((tx) => {
      for (const [id, record] of documents) tx.put('kpis', id, record.doc, record.position);
    });
    rows = [...documents.values()].flatMap((record) => (isComplaintKpiRow(record.doc) ? [record.doc] : []));
  }, 900_000);

  const periods: readonly [string | undefined, string | undefined][] = [
    ['2025-01-01', '2026-12-31'],
    ['2024-06-01', '2027-12-31'],
    ['2025-02-15', '2027-02-14'],
    ['2025-11-01', '2026-02-28'],
    ['2025-12-31T12:00:00.000Z', '2027-01-01T05:00:00.000Z'],
    [undefined, '2026-12-31'],
    ['2026-01-01', undefined],
  ];
  const asOfs = [
    '2026-06-15T12:00:00.000Z',
    '2026-12-31T23:59:59.999Z',
    '2027-01-01T00:00:00.000Z',
    '2027-01-01T00:00:00.001Z',
    '2027-03-10T08:00:00.000Z',
    '2027-07-10T00:00:00.000Z',
    '2028-01-15T10:00:00.000Z',
  ];
  const cases = periods.flatMap(([from, to]) => asOfs.map((asOf) => [from, to, asOf] as const));
  let fromTrees = 0;

  it.each(cases)('from %s to %s as of %s, equals the complaint-by-complaint fold of the period', async (from, to, asOf) => {
    if (await expectPeriodEqualsFold(rows, counted, store, from, to, asOf)) fromTrees += 1;
  });

  it('read those periods from the trees, whole years from the year trees, over enough complaints to mean something', () => {
    expect(rows.length).toBeGreaterThan(3000);
    expect(fromTrees).toBeGreaterThan(cases.length * 0.8);
    expect(read.yearNodes).toBeGreaterThan(50);
    expect(read.monthNodes).toBeGreaterThan(50);
    // The periods that hold every complaint received before asOf's month read the tenant's own tree instead.
    expect(read.tenantNodes).toBeGreaterThan(10);
    expect(read.markers).toBeGreaterThan(100);
    const two = rows.filter((row) => row.receivedAt >= '2025-01-01' && row.receivedAt < '2027-01-01');
    expect(complaintKpis(two, '2027-03-10T08:00:00.000Z').timeToResolve.count).toBeGreaterThan(1000);
  });
});
