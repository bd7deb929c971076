import { recordedDemoHistory } from '@crm/demo-data';
import { foldEvents, isSummaryDoc, type AnyProjection, type DocumentRecord, type SummaryDoc } from '@crm/shared/read-model';
import { complaintKpiCells, complaintKpiSummaryId, endOfUtcDay, kpisFromCells } from './complaint-kpi-cells';
import { complaintKpis } from './complaint-kpis';
import { complaintKpisProjection, type ComplaintKpiRow } from './complaint-kpis.projection';

/** The KPIs complaint by complaint, without the medians (which sums cannot give). */
function reference(rows: readonly ComplaintKpiRow[], asOfDay: string, fromDay?: string, toDay?: string) {
  const selected = rows.filter(
    (row) =>
      (fromDay === undefined || row.receivedAt.slice(0, 10) >= fromDay) && (toDay === undefined || row.receivedAt.slice(0, 10) <= toDay),
  );
  const { timeToAcknowledge, timeToResolve, ...rest } = complaintKpis(selected, endOfUtcDay(asOfDay));
  return {
    ...rest,
    timeToAcknowledge: { count: timeToAcknowledge.count, meanHours: timeToAcknowledge.meanHours },
    timeToResolve: { count: timeToResolve.count, meanHours: timeToResolve.meanHours },
  };
}

describe('complaint KPIs from day cells, on a seeded history folded batch by batch', () => {
  let rows: ComplaintKpiRow[];
  beforeAll(() => {
    const events = recordedDemoHistory({ events: 30_000, seed: 1 }, complaintKpisProjection.eventTypes);
    const documents = new Map<string, DocumentRecord<object>>();
    const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
    for (let start = 0; start < events.length; start += 300) {
      const folded = foldEvents(complaintKpisProjection as never, documents, events.slice(start, start + 300), compare);
      if (folded.failure) throw folded.failure.error;
      for (const [id, record] of folded.changed) if (record) documents.set(id, record);
    }
    rows = [...documents.values()]
      .map((record) => record.doc as ComplaintKpiRow)
      .sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
  });

  const cases: readonly [string, string, string | undefined, string | undefined][] = [
    ['all received, as of mid-January', '2025-01-15', undefined, undefined],
    ['all received, as of the end of June', '2025-06-30', undefined, undefined],
    ['all received, as of mid-August', '2025-08-14', undefined, undefined],
    ['all received, as of the end of the history', '2027-01-01', undefined, undefined],
    ['received in Feb–May, as of the end of June', '2025-06-30', '2025-02-01', '2025-05-31'],
    ['received 20 Jan – 9 Jul, as of 10 Jul', '2025-07-10', '2025-01-20', '2025-07-09'],
    ['received up to 14 Apr, as of the end of the history', '2027-01-01', undefined, '2025-04-14'],
  ];
  it.each(cases)('%s', (_name, asOfDay, fromDay, toDay) => {
    const cells = rows.flatMap(complaintKpiCells);
    const expected = reference(rows, asOfDay, fromDay, toDay);
    expect(expected.complaints).toBeGreaterThan(asOfDay === '2025-01-15' ? 10 : 100);
    expect(kpisFromCells(cells, asOfDay, { ...(fromDay ? { fromDay } : {}), ...(toDay ? { toDay } : {}) })).toEqual(expected);
  });
});

describe('complaint KPI cells kept as monthly summaries by the fold (batch by batch, through JSON)', () => {
  const projection = {
    ...complaintKpisProjection,
    summary: { documentId: complaintKpiSummaryId, cells: complaintKpiCells },
  } as unknown as AnyProjection;
  let rows: ComplaintKpiRow[];
  let summaries: Map<string, SummaryDoc>;
  beforeAll(() => {
    const events = recordedDemoHistory({ events: 30_000, seed: 1 }, complaintKpisProjection.eventTypes);
    const documents = new Map<string, DocumentRecord<object>>();
    const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
    for (let start = 0; start < events.length; start += 300) {
      const folded = foldEvents(projection, documents, events.slice(start, start + 300), compare);
      if (folded.failure) throw folded.failure.error;
      for (const [id, record] of folded.changed)
        if (record) documents.set(id, JSON.parse(JSON.stringify(record)) as DocumentRecord<object>);
    }
    summaries = new Map([...documents].flatMap(([id, record]) => (isSummaryDoc(record.doc) ? [[id, record.doc] as const] : [])));
    rows = [...documents.values()].flatMap((record) => (isSummaryDoc(record.doc) ? [] : [record.doc as ComplaintKpiRow]));
    rows.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
  });

  const monthOf = (id: string) => id.slice(-7);

  it('puts every cell in the summary of its day’s month or a later one, never an earlier one', () => {
    expect(summaries.size).toBeGreaterThan(6);
    for (const [id, summary] of summaries) {
      for (const cell of Object.values(summary.cells)) expect(String(cell.dims['d']).slice(0, 7) >= monthOf(id)).toBe(true);
    }
  });

  it.each(['2025-01-15', '2025-03-31', '2025-06-30', '2025-08-14', '2027-01-01'])(
    'summed over the months up to %s, equals the complaint-by-complaint fold',
    (asOfDay) => {
      const cells = [...summaries]
        .filter(([id]) => monthOf(id) <= asOfDay.slice(0, 7))
        .flatMap(([, summary]) => Object.values(summary.cells));
      const expected = reference(rows, asOfDay);
      expect(expected.complaints).toBeGreaterThan(10);
      expect(kpisFromCells(cells, asOfDay)).toEqual(expected);
    },
  );
});
