import { churnReport } from './churn-report';
import { at, endOf, history } from './loyalty.fixtures';

const histories = [
  history('A', {
    purchases: [
      ['2025-01-10T10:00:00Z', 1],
      ['2025-03-15T10:00:00Z', 1],
    ],
  }),
  history('B', { purchases: [['2025-02-01T10:00:00Z', 1]], closings: [['2025-04-10T10:00:00Z']] }),
  history('E'),
];
const asOf = endOf('2025-06-30');

describe('churnReport', () => {
  it('defaults to the twelve months up to asOf, rounding rates to four decimals', () => {
    const report = churnReport(histories, { asOf, inactivityDays: 90, bucket: 'month' });
    expect(report.periods.map((p) => p.period)).toEqual([
      '2024-07',
      '2024-08',
      '2024-09',
      '2024-10',
      '2024-11',
      '2024-12',
      '2025-01',
      '2025-02',
      '2025-03',
      '2025-04',
      '2025-05',
      '2025-06',
    ]);
    expect(report.periods.find((p) => p.period === '2025-04')).toMatchObject({ activeAtStart: 2, churned: 1, churnRate: 0.5 });
    expect(report).toMatchObject({
      customers: 2,
      activeCustomers: 0,
      // Both customers joined within the year, so their losses are outside the start-of-year base.
      annual: { from: '2024-06-30T20:30:00.000Z', to: '2025-06-30T20:29:59.999Z', churned: 0, lostOutsideBase: 2, newAndLost: 2 },
    });
    expect(report.retention.find((c) => c.cohort === '2025-01')?.retention).toEqual([
      { months: 1, measured: 1, retained: 1, rate: 1 },
      { months: 3, measured: 1, retained: 1, rate: 1 },
      { months: 6, measured: 0, retained: 0, rate: null },
      { months: 12, measured: 0, retained: 0, rate: null },
    ]);
  });

  it('defaults to twelve Jalali months with bucket=jalali, whatever the day of asOf', () => {
    // An outside probe: eleven Gregorian months back gave 11 Jalali periods from 20 March and 21 May, 12 the day before.
    for (const day of ['2025-03-19', '2025-03-20', '2025-05-20', '2025-05-21']) {
      const periods = churnReport(histories, { asOf: endOf(day), inactivityDays: 90, bucket: 'jalali' }).periods;
      expect({ day, count: periods.length }).toEqual({ day, count: 12 });
    }
    expect(churnReport(histories, { asOf: endOf('2025-03-20'), inactivityDays: 90, bucket: 'jalali' }).periods[0]?.period).toBe('1403-01');
    expect(churnReport(histories, { asOf: endOf('2025-03-21'), inactivityDays: 90, bucket: 'jalali' }).periods[0]?.period).toBe('1403-02');
  });

  it('rounds a third to 0.3333 and stops at asOf even when `to` is later', () => {
    const three = [...histories, history('C', { purchases: [['2025-03-01T10:00:00Z', 1]] })];
    const report = churnReport(three, {
      asOf,
      inactivityDays: 90,
      bucket: 'month',
      from: at('2025-04-01T00:00:00Z'),
      to: at('2026-01-01T00:00:00Z'),
    });
    expect(report.periods.map((p) => [p.period, p.churnRate])).toEqual([
      ['2025-04', 0.3333],
      ['2025-05', 0.5], // C lapses on 31 May
      ['2025-06', 1],
    ]);
  });

  it('refuses a range that is backwards or too long', () => {
    expect(() =>
      churnReport(histories, {
        asOf,
        inactivityDays: 90,
        bucket: 'month',
        from: at('2025-06-02T00:00:00Z'),
        to: at('2025-06-01T00:00:00Z'),
      }),
    ).toThrow(expect.objectContaining({ code: 'CHURN.RANGE_INVALID' }));
    expect(() => churnReport(histories, { asOf, inactivityDays: 90, bucket: 'jalali', from: at('2010-01-01T00:00:00Z') })).toThrow(
      expect.objectContaining({ code: 'CHURN.RANGE_TOO_LONG' }),
    );
  });
});
