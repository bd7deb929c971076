import { endOf, history } from './loyalty.fixtures';
import { quintileScore, rfmScores, rfmValues, segmentOf, SEGMENT_RULES, type RfmValues, type Score } from './rfm';

describe('quintileScore (mid-rank: ⌊5 × (below + equal/2) ÷ n⌋ + 1)', () => {
  it('gives five distinct values one score each', () => {
    expect([1, 2, 3, 4, 5].map((v) => quintileScore(v, [5, 3, 1, 4, 2]))).toEqual([1, 2, 3, 4, 5]);
  });

  it('puts two of ten values in each quintile', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(ten.map((v) => quintileScore(v, ten))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('gives ties one score, the one their middle rank falls in', () => {
    // 1: (0 + 4/2) / 5 = 0.4 → ⌊2⌋ + 1 = 3;  5: (4 + 1/2) / 5 = 0.9 → ⌊4.5⌋ + 1 = 5.
    expect(quintileScore(1, [1, 1, 1, 1, 5])).toBe(3);
    expect(quintileScore(5, [1, 1, 1, 1, 5])).toBe(5);
    // 2 in [1, 2, 2, 3]: (1 + 1) / 4 = 0.5 → 3; exactly on an edge, integer arithmetic keeps it there.
    expect(quintileScore(2, [1, 2, 2, 3])).toBe(3);
    // (1 + 2/2) / 5 = 0.4 → ⌊2⌋ + 1 = 3, not 2.999… → 2.
    expect(quintileScore(7, [3, 7, 7, 9, 9])).toBe(3);
    expect(quintileScore(9, [3, 7, 7, 9, 9])).toBe(5);
  });

  it('scores a lone customer in the middle, and refuses an empty population', () => {
    expect(quintileScore(42, [42])).toBe(3);
    expect(() => quintileScore(1, [])).toThrow(RangeError);
  });
});

describe('rfmValues', () => {
  const asOf = endOf('2025-06-30');

  it('counts the last windowDays business days, asOf day included, per currency; main currency by count, ties to the latest', () => {
    const values = rfmValues(
      history('a', {
        purchases: [
          ['2025-05-31T20:00:00Z', 9_999], // 23:30 on 31 May in Tehran, 31 days before asOf's day: outside a 30-day window
          ['2025-06-01T00:00:00Z', 1_000],
          ['2025-06-10T00:00:00Z', 50, 'USD'],
          ['2025-06-20T00:00:00Z', 2_000],
          ['2025-06-25T00:00:00Z', 70, 'USD'],
        ],
      }),
      asOf,
      30,
    );
    expect(values).toEqual({
      accountId: 'a',
      recencyDays: 5,
      frequency: 4,
      monetary: [
        { amount: 3_000, currency: 'IRR' },
        { amount: 120, currency: 'USD' },
      ],
      mainCurrency: 'USD',
    });
    // 20:45 UTC on 31 May is 00:15 on 1 June in Tehran: inside the window.
    expect(rfmValues(history('b', { purchases: [['2025-05-31T20:45:00Z', 5]] }), asOf, 30)?.frequency).toBe(1);
    expect(rfmValues(history('b', { purchases: [['2025-05-31T20:15:00Z', 5]] }), asOf, 30)?.frequency).toBe(0);
  });

  it('is undefined for an account that never bought; with nothing in the window the latest currency is the main one', () => {
    expect(rfmValues(history('e'), asOf, 365)).toBeUndefined();
    expect(rfmValues(history('a', { purchases: [['2023-01-01T00:00:00Z', 5, 'EUR']] }), asOf, 365)).toMatchObject({
      frequency: 0,
      monetary: [],
      mainCurrency: 'EUR',
    });
  });
});

describe('rfmScores', () => {
  const customer = (accountId: string, recencyDays: number, frequency: number, irr: number): RfmValues => ({
    accountId,
    recencyDays,
    frequency,
    monetary: irr === 0 ? [] : [{ amount: irr, currency: 'IRR' }],
    mainCurrency: 'IRR',
  });
  const base = [
    customer('a', 3, 8, 900),
    customer('b', 10, 5, 500),
    customer('c', 10, 5, 300),
    customer('d', 40, 2, 100),
    customer('e', 200, 1, 0),
  ];

  it('inverts recency and shares scores between ties', () => {
    // recency −10 in [−3, −10, −10, −40, −200]: below 2, equal 2 → (2 + 1)/5 = 0.6 → 4.
    expect(rfmScores(base, customer('b', 10, 5, 500))).toEqual({ recency: 4, frequency: 4, monetary: 4 });
    expect(rfmScores(base, customer('c', 10, 5, 300))).toEqual({ recency: 4, frequency: 4, monetary: 3 });
    expect(rfmScores(base, customer('a', 3, 8, 900))).toEqual({ recency: 5, frequency: 5, monetary: 5 });
    expect(rfmScores(base, customer('e', 200, 1, 0))).toEqual({ recency: 1, frequency: 1, monetary: 1 });
  });

  it('scores a customer outside the base as if added to it', () => {
    // n = 6; recency −365 lowest: (0 + 0.5)/6 → 1; frequency 9 highest: (5 + 0.5)/6 → ⌊4.58⌋ + 1 = 5; spend 500: below 3 (0, 100, 300), equal 2 (b and z) → 4/6 → ⌊3.33⌋ + 1 = 4.
    expect(rfmScores(base, customer('z', 365, 9, 500))).toEqual({ recency: 1, frequency: 5, monetary: 4 });
  });

  it('takes monetary in the customer’s main currency only', () => {
    const dollars: RfmValues = { ...customer('u', 3, 8, 0), monetary: [{ amount: 10, currency: 'USD' }], mainCurrency: 'USD' };
    // Everyone else spent 0 USD: below 5, equal 0 among 6 → 5/6 → ⌊4.17⌋ + 1 = 5.
    expect(rfmScores(base, dollars).monetary).toBe(5);
  });
});

describe('segmentOf', () => {
  const grid = (r: Score) => ([1, 2, 3, 4, 5] as const).map((f) => segmentOf(r, f));

  it('maps every (R, F) cell by the documented precedence', () => {
    expect(grid(5)).toEqual(['new', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions']);
    expect(grid(4)).toEqual(['promising', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions']);
    expect(grid(3)).toEqual(['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal']);
    expect(grid(2)).toEqual(['hibernating', 'hibernating', 'at_risk', 'at_risk', 'at_risk']);
    expect(grid(1)).toEqual(['lost', 'hibernating', 'at_risk', 'at_risk', 'cant_lose_them']);
  });

  it('lets the narrower rule win where two hold: Can’t Lose Them over At Risk, Lost over Hibernating, At Risk over Loyal', () => {
    const order = SEGMENT_RULES.map(([segment]) => segment);
    expect(order.indexOf('cant_lose_them')).toBeLessThan(order.indexOf('at_risk'));
    expect(order.indexOf('lost')).toBeLessThan(order.indexOf('hibernating'));
    expect(order.indexOf('at_risk')).toBeLessThan(order.indexOf('loyal'));
  });
});
