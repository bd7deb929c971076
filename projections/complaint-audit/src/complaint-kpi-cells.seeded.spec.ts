import { recordedDemoHistory } from '@crm/demo-data';
import { foldEvents, type DocumentRecord } from '@crm/shared/read-model';
import { complaintKpiCells, endOfUtcDay, kpisFromCells } from './complaint-kpi-cells';
import { complaintKpis } from './complaint-kpis';
import { complaintKpisProjection, type ComplaintKpiRow } from './complaint-kpis.projection';

/** The KPIs complaint by complaint, without the medians (which sums cannot give). */
function reference(rows: readonly ComplaintKpiRow[], asOfDay: string, fromDay?: string, toDay?: string) {
  const selected = rows.filter((row) => (fromDay === undefined || row.receivedAt.slice(0, 10) >= fromDay) && (toDay === undefined || row.receivedAt.slice(0, 10) <= toDay));
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
    rows = [...documents.values()].map((record) => record.doc as ComplaintKpiRow).sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
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
