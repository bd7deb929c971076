import { activeSpans, isActiveAt, lastActivityAt, lossesIn, statusOf } from './activity-timeline';
import { at, endOf, history } from './loyalty.fixtures';

const T = 90;
const asOf = endOf('2025-06-30');

describe('activeSpans (churn: closed, or more than inactivityDays whole days without activity)', () => {
  it('starts at the first purchase and ends inactivityDays + 1 business days after the last activity', () => {
    // 2025-03-15 + 91 days = 2025-06-14: 90 days later the customer still counts, 91 days later (from midnight in
    // Tehran, 20:30 UTC on the 13th) it is lost.
    const spans = activeSpans(
      history('a', {
        purchases: [
          ['2025-01-10T10:00:00Z', 1],
          ['2025-03-15T18:00:00Z', 1],
        ],
      }),
      T,
      asOf,
    );
    expect(spans).toEqual([{ from: at('2025-01-10T10:00:00Z'), to: at('2025-06-13T20:30:00Z'), endedBy: 'inactive' }]);
    expect(isActiveAt(spans, at('2025-06-13T20:29:59.999Z'))).toBe(true);
    expect(isActiveAt(spans, at('2025-06-13T20:30:00Z'))).toBe(false);
    // A purchase at 21:00 UTC on 15 March is made on the 16th in Tehran: the customer is lost a day later.
    const late = activeSpans(history('b', { purchases: [['2025-03-15T21:00:00Z', 1]] }), T, asOf);
    expect(late).toEqual([{ from: at('2025-03-15T21:00:00Z'), to: at('2025-06-14T20:30:00Z'), endedBy: 'inactive' }]);
  });

  it('counts interactions after the first purchase as activity, and ignores those before it', () => {
    const spans = activeSpans(
      history('c', {
        interactions: [['2024-12-01T00:00:00Z'], ['2025-05-20T09:00:00Z', 'complaint']],
        purchases: [['2025-03-01T00:00:00Z', 1]],
      }),
      T,
      asOf,
    );
    expect(spans).toEqual([{ from: at('2025-03-01T00:00:00Z') }]);
  });

  it('ends at a closing and starts again at a reopening; a purchase after a lapse brings the customer back', () => {
    const spans = activeSpans(
      history('b', {
        purchases: [
          ['2025-01-01T00:00:00Z', 1],
          ['2025-06-01T00:00:00Z', 1],
        ],
        closings: [['2025-01-20T00:00:00Z', '2025-02-10T00:00:00Z']],
      }),
      30,
      asOf,
    );
    expect(spans).toEqual([
      { from: at('2025-01-01T00:00:00Z'), to: at('2025-01-20T00:00:00Z'), endedBy: 'closed' },
      { from: at('2025-02-10T00:00:00Z'), to: at('2025-03-12T20:30:00Z'), endedBy: 'inactive' },
      { from: at('2025-06-01T00:00:00Z') },
    ]);
    expect(lossesIn(spans, at('2025-01-01T00:00:00Z'), at('2025-02-01T00:00:00Z'))).toBe(1);
    expect(lossesIn(spans, at('2025-03-01T00:00:00Z'), at('2025-03-12T20:30:00Z'))).toBe(0); // [start, end)
    expect(lossesIn(spans, at('2025-01-01T00:00:00Z'), at('2025-04-01T00:00:00Z'))).toBe(2);
  });

  it('restarts the inactivity clock at a reopening, however long ago the last purchase (docs/metrics.md, "Reopening")', () => {
    // A purchase 625 days before asOf's day, the account closed and reopened that day: active since the reopening.
    const h = history('r', {
      purchases: [['2023-10-14T10:00:00Z', 1]],
      closings: [['2025-06-30T08:00:00Z', '2025-06-30T09:00:00Z']],
    });
    const spans = activeSpans(h, T, asOf);
    expect(spans).toEqual([
      { from: at('2023-10-14T10:00:00Z'), to: at('2024-01-12T20:30:00Z'), endedBy: 'inactive' },
      { from: at('2025-06-30T09:00:00Z') },
    ]);
    expect(statusOf(h, spans)).toEqual({ status: 'active', since: at('2025-06-30T09:00:00Z') });
    // A reopening makes no customer of an account that never bought.
    expect(activeSpans(history('p', { closings: [['2025-06-30T08:00:00Z', '2025-06-30T09:00:00Z']] }), T, asOf)).toEqual([]);
  });

  it('keeps a closed account lost, whatever is recorded for it while closed', () => {
    const spans = activeSpans(
      history('b', {
        purchases: [['2025-02-01T00:00:00Z', 1]],
        interactions: [['2025-05-01T00:00:00Z']],
        closings: [['2025-04-10T00:00:00Z']],
      }),
      T,
      asOf,
    );
    expect(spans).toEqual([{ from: at('2025-02-01T00:00:00Z'), to: at('2025-04-10T00:00:00Z'), endedBy: 'closed' }]);
  });
});

describe('statusOf and lastActivityAt', () => {
  it('tells prospects, active and lost customers apart, with the reason', () => {
    const prospect = history('e', { interactions: [['2025-05-01T00:00:00Z']] });
    expect(statusOf(prospect, activeSpans(prospect, T, asOf))).toEqual({ status: 'prospect' });
    const lapsed = history('a', { purchases: [['2025-03-15T00:00:00Z', 1]] });
    expect(statusOf(lapsed, activeSpans(lapsed, T, asOf))).toEqual({
      status: 'lost',
      since: at('2025-06-13T20:30:00Z'),
      reason: 'inactive',
    });
    const active = history('d', { purchases: [['2025-05-05T00:00:00Z', 1]], closings: [['2025-05-06T00:00:00Z', '2025-05-07T00:00:00Z']] });
    expect(statusOf(active, activeSpans(active, T, asOf))).toEqual({ status: 'active', since: at('2025-05-07T00:00:00Z') });
    expect(lastActivityAt(active)).toBe(at('2025-05-07T00:00:00Z'));
    expect(lastActivityAt(history('x'))).toBeUndefined();
  });
});
