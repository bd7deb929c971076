import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { foldEvents, type AnyProjection } from '@crm/shared/read-model';
import { projectionSpec } from '@crm/shared/testing';
import { durationBucket, endOfMonthIndex, monthIndex } from './complaint-kpi-cells';
import { complaintKpisProjection, kpiMarkedReceipt } from './complaint-kpis.projection';
import { after, commands, DAY, history, HOUR, step, T0 } from './complaint-history.fixture';

describe('complaint-kpis projection', () => {
  it('keeps each step at the time it records, in stream order, breaches and withdrawals included', () => {
    const c = commands('c-1', 'كيفيت كالا');
    const events = history('c-1', [
      step(0, c.receive),
      step(DAY + 10, c.breach('acknowledge', after(DAY))),
      step(DAY + HOUR, c.assess('low')),
      step(30 * HOUR, c.acknowledge),
      step(2 * DAY, c.close('withdrawn')),
    ]);
    const provisional = { acknowledgeBy: after(DAY), resolveBy: after(7 * DAY) };
    const low = { acknowledgeBy: after(2 * DAY), resolveBy: after(14 * DAY) };
    projectionSpec(complaintKpisProjection)
      .given(events)
      .thenDocuments({
        'default:c-1': {
          tenantId: 'default',
          complaintId: 'c-1',
          receivedAt: after(0),
          channel: 'phone',
          category: 'كيفيت كالا',
          // Arabic ي/ك count with the Persian spelling.
          categoryKey: 'کیفیت کالا',
          ...provisional,
          steps: [
            { kind: 'status', at: after(DAY + 10), to: 'received', level: 'local', ...provisional },
            { kind: 'breached', at: after(DAY + 10), milestone: 'acknowledge' },
            { kind: 'status', at: after(DAY + HOUR), to: 'received', level: 'local', severity: 'low', ...low },
            { kind: 'status', at: after(DAY + HOUR), to: 'received', level: 'local', severity: 'low', ...low },
            { kind: 'breachWithdrawn', at: after(DAY + HOUR), milestone: 'acknowledge' },
            { kind: 'status', at: after(30 * HOUR), to: 'acknowledged', level: 'local', severity: 'low', ...low },
            { kind: 'acknowledged', at: after(30 * HOUR) },
            { kind: 'status', at: after(2 * DAY), to: 'closed', level: 'local', severity: 'low', ...low },
            { kind: 'closed', at: after(2 * DAY), outcome: 'withdrawn' },
          ],
          lastRevision: 5,
        },
        // One acknowledgement, in the complaint's slots document: its duration, its histogram bucket (indexed with the
        // receipt for the median: 30 h is 1,800 minutes, 16 buckets per doubling from one minute, 16 × log2(1800) =
        // 173.0…), and when it holds from. A document of its own, so that a median decodes these few fields only.
        'default:~kpid:c-1': {
          tenantId: 'default',
          complaintId: 'c-1',
          kRecv: after(0),
          kAckMs: 30 * HOUR * 60_000,
          kAckB: 173,
          kAckFrom: after(30 * HOUR),
          kAckUntil: '9999-12-31T23:59:59.999Z',
        },
        // The spelling the category is shown in: its earliest complaint's.
        'default:~kpic:کیفیت کالا': {
          tenantId: 'default',
          kpiCategory: 'کیفیت کالا',
          spelling: 'كيفيت كالا',
          firstReceivedAt: after(0),
          firstId: 'default:c-1',
        },
        // The same among the complaints received in its month (a received period's spelling).
        'default:~kpcm:303:کیفیت کالا': {
          tenantId: 'default',
          kpiCatMonth: 303,
          key: 'کیفیت کالا',
          spelling: 'كيفيت كالا',
          firstReceivedAt: after(0),
          firstId: 'default:c-1',
        },
        // Every step and deadline falls in March 2025 (month 303 from January 2000).
        // It carries its month and the complaint's receipt month, so a received period reads only its own markers.
        'default:~kpim:303:c-1': { tenantId: 'default', kpiMonth: 303, complaintId: 'c-1', kpiMonthRecv: kpiMarkedReceipt(303, 303) },
      } as never);
  });

  it('keeps each stretch of a duration in its own slot, and the tree’s total', () => {
    const c = commands('c-2');
    const events = history('c-2', [
      step(0, c.receive),
      step(HOUR, c.acknowledge),
      step(2 * HOUR, c.assess('medium')),
      step(2 * DAY - 2 * HOUR, c.respond),
      step(2 * DAY - HOUR, c.decide),
      step(2 * DAY, c.close('resolved')),
      step(40 * DAY, c.reopen),
      step(41 * DAY - 2 * HOUR, c.respond),
      step(41 * DAY - HOUR, c.decide),
      step(41 * DAY, c.close('resolved')),
    ]);
    const given = projectionSpec(complaintKpisProjection).given(events);
    const figures = [
      { dims: { d: 0, f: 'complaints' }, values: { n: 1 } },
      { dims: { d: 0, f: 'ack.count' }, values: { n: 1 } },
      { dims: { d: 0, f: 'ack.ms' }, values: { n: HOUR * 60_000 } },
      { dims: { d: 0, f: `ack.h.${durationBucket(HOUR * 60_000)}` }, values: { n: 1 } },
      { dims: { d: 0, f: 'resolve.count' }, values: { n: 1 } },
      { dims: { d: 0, f: 'resolve.ms' }, values: { n: 41 * DAY * 60_000 } },
      { dims: { d: 0, f: 'resolve.h.' + String(resolveBucket) }, values: { n: 1 } },
      { dims: { d: 0, f: 'sla.acknowledge.met' }, values: { n: 1 } },
      { dims: { d: 0, f: 'sla.resolve.met' }, values: { n: 2 } },
      { dims: { d: 0, f: 'closed' }, values: { n: 1 } },
      { dims: { d: 0, f: 'reopened' }, values: { n: 1 } },
      { dims: { d: 0, f: 'reopenings' }, values: { n: 1 } },
      { dims: { d: 0, f: 'status.closed' }, values: { n: 1 } },
      { dims: { d: 0, f: 'severity.medium' }, values: { n: 1 } },
      { dims: { d: 0, f: 'category.کیفیت کالا' }, values: { n: 1 } },
    ];
    // The root node of the tree holds every change; its figures are the complaint as it stands.
    given.thenSummary('default:~kpis:4096', figures);
    // So do the highest nodes a read asks of the trees of its receipt month (March 2025) and receipt year (2025).
    given.thenSummary('default:~kpir:303:2048', figures);
    given.thenSummary('default:~kpiy:25:2048', figures);
    // The reopening in April marks month 304; the marker takes the receipt month from the complaint's row.
    const folded = foldKpis(events);
    expect(folded.changed.get('default:~kpim:304:c-2')?.doc).toEqual({
      tenantId: 'default',
      kpiMonth: 304,
      complaintId: 'c-2',
      kpiMonthRecv: kpiMarkedReceipt(304, 303),
    });
    const slots = folded.changed.get('default:~kpid:c-2')?.doc;
    const row = folded.changed.get('default:c-2')?.doc;
    // Resolved, reopened, resolved again: two stretches of time to resolve, one slot each, in the slots document.
    expect(slots).toMatchObject({
      kResMs: 2 * DAY * 60_000,
      kResFrom: after(2 * DAY),
      kResUntil: after(40 * DAY),
      kRes1Ms: 41 * DAY * 60_000,
      kRes1From: after(41 * DAY),
      kRes1Until: '9999-12-31T23:59:59.999Z',
    });
    expect(slots).not.toHaveProperty('kRes2Ms');
    expect(row).not.toHaveProperty('kMulti');
    expect(row).not.toHaveProperty('kResMs');
  });
});

const resolveBucket = durationBucket(41 * DAY * 60_000);

/** A complaint's events folded from an empty store, recorded one after another in the default tenant. */
function foldKpis(events: readonly { metadata: object }[]) {
  const recorded = events.map(
    (event, i) =>
      ({
        ...event,
        revision: i,
        position: String(i + 1),
        metadata: { ...event.metadata, tenantId: 'default' },
      }) as unknown as RecordedEvent,
  );
  return foldEvents(complaintKpisProjection as unknown as AnyProjection, new Map(), recorded, (a, b) => Number(a) - Number(b));
}

describe('complaint-kpis months are business months (Asia/Tehran)', () => {
  it('dates months by the business time zone’s wall clock, its summers of +04:30 before 2022 included', () => {
    // March 2025 is month 303 from January 2000; it ends at 23:59:59.999 on 31 March in Tehran (+03:30).
    expect(monthIndex('2025-03-31T20:29:59.999Z')).toBe(303);
    expect(monthIndex('2025-03-31T20:45:00.000Z')).toBe(304);
    expect(endOfMonthIndex(303)).toBe('2025-03-31T20:29:59.999Z');
    // July 2021 (month 259) ended at 19:29:59.999 UTC: Tehran kept daylight time then.
    expect(monthIndex('2021-07-31T19:45:00.000Z')).toBe(260);
    expect(endOfMonthIndex(259)).toBe('2021-07-31T19:29:59.999Z');
    // December 1999 (index 0) ends where January 2000 starts.
    expect(endOfMonthIndex(0)).toBe('1999-12-31T20:29:59.999Z');
  });

  it('marks a complaint received at 00:15 on 1 April in Tehran (2025-03-31T20:45Z) in April, its receipt month', () => {
    const c = commands('c-3');
    const minutes = (Date.parse('2025-03-31T20:45:00.000Z') - Date.parse(T0)) / 60_000;
    const folded = foldKpis(history('c-3', [step(minutes, c.receive)]));
    const ids = [...folded.changed.keys()];
    expect(ids).toContain('default:~kpim:304:c-3');
    expect(ids).not.toContain('default:~kpim:303:c-3');
    expect(folded.changed.get('default:~kpim:304:c-3')?.doc).toEqual({
      tenantId: 'default',
      kpiMonth: 304,
      complaintId: 'c-3',
      kpiMonthRecv: kpiMarkedReceipt(304, 304),
    });
    expect(ids).toContain('default:~kpcm:304:کیفیت کالا');
    // Its receipt month's tree (April 2025) holds it.
    expect(ids).toContain('default:~kpir:304:304');
    expect(ids.some((id) => id.startsWith('default:~kpir:303:'))).toBe(false);
  });
});
