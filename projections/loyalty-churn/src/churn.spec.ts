import { annualChurn, churnByPeriod, customerTimelines, monthPeriods, retentionByCohort } from './churn';
import { at, endOf, history } from './loyalty.fixtures';

const asOf = endOf('2025-06-30');
/**
 * With a 90-day threshold:
 * A buys 10 Jan and 15 Mar, lost 14 Jun (15 Mar + 91 days);
 * B buys 1 Feb, closed 10 Apr; C buys 1 Mar, complains 20 May (active);
 * D buys 5 May (active); E never buys.
 */
const histories = [
  history('A', {
    purchases: [
      ['2025-01-10T10:00:00Z', 500],
      ['2025-03-15T10:00:00Z', 700],
    ],
  }),
  history('B', { purchases: [['2025-02-01T10:00:00Z', 100]], closings: [['2025-04-10T10:00:00Z']] }),
  history('C', { purchases: [['2025-03-01T10:00:00Z', 300]], interactions: [['2025-05-20T10:00:00Z', 'complaint']] }),
  history('D', { purchases: [['2025-05-05T10:00:00Z', 200]] }),
  history('E', { interactions: [['2025-02-01T10:00:00Z']] }),
];
const timelines = customerTimelines(histories, 90, asOf);

describe('monthPeriods', () => {
  it('covers the business calendar months (Tehran) from the one holding `from` to the one holding `to`', () => {
    expect(monthPeriods(at('2025-01-31T12:00:00Z'), at('2025-03-01T00:00:00Z'), 'month')).toEqual([
      { key: '2025-01', start: at('2024-12-31T20:30:00Z'), end: at('2025-01-31T20:30:00Z') },
      { key: '2025-02', start: at('2025-01-31T20:30:00Z'), end: at('2025-02-28T20:30:00Z') },
      { key: '2025-03', start: at('2025-02-28T20:30:00Z'), end: at('2025-03-31T20:30:00Z') },
    ]);
    // 31 January at 21:00 UTC is already 1 February in Tehran.
    expect(monthPeriods(at('2025-01-31T21:00:00Z'), at('2025-01-31T21:00:00Z'), 'month').map((p) => p.key)).toEqual(['2025-02']);
    // Summer 2021: months began at 19:30 UTC (+04:30).
    expect(monthPeriods(at('2021-07-31T19:45:00Z'), at('2021-07-31T19:45:00Z'), 'month')).toEqual([
      { key: '2021-08', start: at('2021-07-31T19:30:00Z'), end: at('2021-08-31T19:30:00Z') },
    ]);
  });

  it('follows Jalali months across the new year (Esfand 1403 has 30 days; Farvardin 1404 starts 21 March 2025)', () => {
    expect(monthPeriods(at('2025-03-01T00:00:00Z'), at('2025-04-30T00:00:00Z'), 'jalali')).toEqual([
      { key: '1403-12', start: at('2025-02-18T20:30:00Z'), end: at('2025-03-20T20:30:00Z') },
      { key: '1404-01', start: at('2025-03-20T20:30:00Z'), end: at('2025-04-20T20:30:00Z') },
      { key: '1404-02', start: at('2025-04-20T20:30:00Z'), end: at('2025-05-21T20:30:00Z') },
    ]);
  });
});

describe('churnByPeriod (churned in the period ÷ active at its start)', () => {
  it('counts active at start, new, churned and active at end per month; the running month ends at asOf', () => {
    const rows = churnByPeriod(timelines, monthPeriods(at('2025-01-01T00:00:00Z'), asOf, 'month'), asOf);
    expect(
      rows.map(({ period, activeAtStart, new: fresh, churned, activeAtEnd, churnRate }) => [
        period,
        activeAtStart,
        fresh,
        churned,
        activeAtEnd,
        churnRate,
      ]),
    ).toEqual([
      ['2025-01', 0, 1, 0, 1, null],
      ['2025-02', 1, 1, 0, 2, 0],
      ['2025-03', 2, 1, 0, 3, 0],
      ['2025-04', 3, 0, 1, 2, 1 / 3], // B closed
      ['2025-05', 2, 1, 0, 3, 0],
      ['2025-06', 3, 0, 1, 2, 1 / 3], // A lapsed on the 14th
    ]);
    // Tehran's June: from midnight on 1 June (20:30 UTC the day before) to midnight on 1 July.
    expect(rows[5]).toMatchObject({ start: '2025-05-31T20:30:00.000Z', end: '2025-06-30T20:30:00.000Z' });
  });

  it('buckets by Jalali month on request', () => {
    const rows = churnByPeriod(timelines, monthPeriods(at('2025-03-21T00:00:00Z'), at('2025-04-21T00:00:00Z'), 'jalali'), asOf);
    expect(rows.map((r) => [r.period, r.activeAtStart, r.new, r.churned])).toEqual([
      ['1404-01', 3, 0, 1],
      ['1404-02', 2, 1, 0], // D new on 5 May; A lapses only in Khordad
    ]);
  });

  it('counts a customer lost at the start instant of a month in that month’s base, and churned there', () => {
    // F buys 2 Mar: 91 days later, at 00:00 UTC on 1 June, it is lost.
    const f = customerTimelines([history('F', { purchases: [['2025-03-02T10:00:00Z', 100]] })], 90, asOf);
    const [may, june] = churnByPeriod(f, monthPeriods(at('2025-05-01T00:00:00Z'), asOf, 'month'), asOf);
    expect(may).toMatchObject({ activeAtStart: 1, churned: 0, activeAtEnd: 1 });
    expect(june).toMatchObject({ activeAtStart: 1, churned: 1, lostOutsideBase: 0, activeAtEnd: 0, churnRate: 1 });
  });

  it('reconciles each period: activeAtEnd = activeAtStart − lostAtEnd + newActiveAtEnd + returned', () => {
    // 30-day threshold. G buys 5 Jan, is lost in early February and buys again on 20 February: churned in February, not
    // lost at its end. H buys 1 Dec, is lost in early January and buys again on 10 February: returned in February.
    // K buys on 3 February and is lost in March. M buys 2 Jan and is lost in February for good.
    const flows = customerTimelines(
      [
        history('G', {
          purchases: [
            ['2025-01-05T10:00:00Z', 1],
            ['2025-02-20T10:00:00Z', 1],
          ],
        }),
        history('H', {
          purchases: [
            ['2024-12-01T10:00:00Z', 1],
            ['2025-02-10T10:00:00Z', 1],
          ],
        }),
        history('K', { purchases: [['2025-02-03T10:00:00Z', 1]] }),
        history('M', { purchases: [['2025-01-02T10:00:00Z', 1]] }),
      ],
      30,
      asOf,
    );
    const [january, february, march] = churnByPeriod(
      flows,
      monthPeriods(at('2025-01-15T00:00:00Z'), at('2025-03-15T00:00:00Z'), 'month'),
      asOf,
    );
    expect(january).toMatchObject({ activeAtStart: 1, churned: 1, lostAtEnd: 1, new: 2, newActiveAtEnd: 2, returned: 0, activeAtEnd: 2 });
    expect(february).toMatchObject({ activeAtStart: 2, churned: 2, lostAtEnd: 1, new: 1, newActiveAtEnd: 1, returned: 1, activeAtEnd: 3 });
    expect(march).toMatchObject({ activeAtStart: 3, churned: 3, lostAtEnd: 3, new: 0, newActiveAtEnd: 0, returned: 0, activeAtEnd: 0 });
    for (const p of [january, february, march])
      expect(p!.activeAtStart - p!.lostAtEnd + p!.newActiveAtEnd + p!.returned).toBe(p!.activeAtEnd);
  });

  it('sees nothing after asOf: a later asOf changes earlier months only through what happened by then', () => {
    const early = endOf('2025-06-13');
    const [june] = churnByPeriod(customerTimelines(histories, 90, early), monthPeriods(at('2025-06-01T00:00:00Z'), early, 'month'), early);
    expect(june).toMatchObject({ activeAtStart: 3, churned: 0, activeAtEnd: 3 });
  });
});

describe('retentionByCohort (first-purchase month; active 1, 3, 6, 12 months after one’s own first purchase)', () => {
  it('measures only the checkpoints asOf has reached', () => {
    const cohorts = retentionByCohort(timelines, ['2025-01', '2025-02', '2025-03', '2025-04', '2025-05'], 'month', asOf);
    const table = cohorts.map((c) => [c.cohort, c.customers, ...c.retention.map((r) => `${r.retained}/${r.measured}`)]);
    expect(table).toEqual([
      ['2025-01', 1, '1/1', '1/1', '0/0', '0/0'], // A: 10 Jul not reached yet
      ['2025-02', 1, '1/1', '0/1', '0/0', '0/0'], // B closed before 1 May
      ['2025-03', 1, '1/1', '1/1', '0/0', '0/0'], // C kept alive by its complaint
      ['2025-04', 0, '0/0', '0/0', '0/0', '0/0'],
      ['2025-05', 1, '1/1', '0/0', '0/0', '0/0'],
    ]);
    expect(cohorts[1]?.retention.map((r) => r.rate)).toEqual([1, 0, null, null]);
  });
});

describe('annualChurn', () => {
  it('takes the 365 days up to asOf', () => {
    expect(annualChurn(timelines, asOf)).toEqual({
      from: at('2024-06-30T20:30:00Z'),
      activeAtStart: 0,
      new: 4,
      // Both losses are of customers new in the year: outside the base, so reported apart and not in a rate.
      churned: 0,
      lostOutsideBase: 2,
      newAndLost: 2,
      activeAtEnd: 2,
      lostAtEnd: 0,
      newActiveAtEnd: 2,
      returned: 0,
      churnRate: null,
    });
    const nextYear = endOf('2026-03-31');
    // Active on 1 Apr 2025: A, B, C. Lost in the year: all of them, and D, who joined in May. D is not in the base, so the
    // rate is 3 ÷ 3, a proportion that cannot pass 1; D is reported as new and lost.
    expect(annualChurn(customerTimelines(histories, 90, nextYear), nextYear)).toMatchObject({
      activeAtStart: 3,
      new: 1,
      churned: 3,
      lostOutsideBase: 1,
      newAndLost: 1,
      churnRate: 1,
    });
  });
});
