import type { ComplaintEvent } from '@crm/service/domain';
import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { InMemoryReadStore, type RecordedOf, timeRange } from '@crm/shared/read-model';
import { complaintAuditProjection, type ComplaintAuditDoc } from './complaint-audit.projection';
import { commands, history, HOUR, recorded, step } from './complaint-history.fixture';
import type { ComplaintKpiRow } from './complaint-kpis.projection';
import { readAuditTrail, readComplaintKpis } from './complaint-queries';

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
