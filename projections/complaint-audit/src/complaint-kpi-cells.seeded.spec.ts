import { recordedDemoHistory } from '@crm/demo-data';
import { foldEvents, InMemoryReadStore, isSummaryDoc, type AnyProjection, type DocumentRecord } from '@crm/shared/read-model';
import { complaintKpis } from './complaint-kpis';
import { complaintKpisProjection, isComplaintKpiRow, type ComplaintKpiRow } from './complaint-kpis.projection';
import { readComplaintKpisFromTree } from './complaint-queries';

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
    for (let start = 0; start < events.length; start += 300) {
      const folded = foldEvents(complaintKpisProjection as unknown as AnyProjection, documents, events.slice(start, start + 300), compare);
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

  it('answers nothing for another tenant', async () => {
    const other = await readComplaintKpisFromTree(store, 'kpis', 'acme', '2025-08-14T09:07:30.000Z');
    expect(other?.complaints).toBe(0);
  });
});
