import { churnRiskOf } from './churn-risk';
import { customerValueOf, decimalFraction, MAX_LIFETIME_YEARS } from './customer-value';

describe('churnRiskOf', () => {
  const input = { churned: false, daysSinceLastActivity: 0, inactivityDays: 180, openComplaints: 0 };

  it('is low for a recent customer without complaints or a detractor answer', () => {
    expect(churnRiskOf({ ...input, daysSinceLastActivity: 59, latestNps: 7 })).toEqual({
      level: 'low',
      factors: [],
      daysSinceLastActivity: 59,
    });
  });

  it('adds 1 point from a third of the threshold, 2 from two thirds', () => {
    expect(churnRiskOf({ ...input, daysSinceLastActivity: 60 })).toMatchObject({ level: 'medium', factors: ['inactivity_medium'] });
    expect(churnRiskOf({ ...input, daysSinceLastActivity: 119 })).toMatchObject({ level: 'medium' });
    expect(churnRiskOf({ ...input, daysSinceLastActivity: 120 })).toMatchObject({ level: 'high', factors: ['inactivity_high'] });
  });

  it('adds a point each for an open complaint and a detractor (0–6) as the latest NPS answer', () => {
    expect(churnRiskOf({ ...input, openComplaints: 2 })).toMatchObject({ level: 'medium', factors: ['open_complaints'] });
    expect(churnRiskOf({ ...input, openComplaints: 1, latestNps: 6 })).toMatchObject({
      level: 'high',
      factors: ['open_complaints', 'nps_detractor'],
    });
  });

  it('says churned for a lost customer, keeping the factors for the record', () => {
    expect(churnRiskOf({ ...input, churned: true, daysSinceLastActivity: 200 })).toEqual({
      level: 'churned',
      factors: ['inactivity_high'],
      daysSinceLastActivity: 200,
    });
  });
});

describe('customerValueOf (AOV × purchases per year × margin × 1 ÷ annual churn)', () => {
  it('projects the window’s orders onto a year and the expected lifetime', () => {
    // AOV 1,500,000; 4 orders in 182 days → 8.0220 a year; × 0.3 × (1 ÷ 0.25 = 4 years) = 14,439,560.44 → 14,439,560.
    expect(
      customerValueOf({
        orders: 4,
        spend: { amount: 6_000_000, currency: 'IRR' },
        windowDays: 182,
        margin: 0.3,
        annualChurn: { churned: 1, base: 4 },
      }),
    ).toEqual({
      value: { amount: 14_439_560, currency: 'IRR' },
      averageOrderValue: { amount: 1_500_000, currency: 'IRR' },
      purchasesPerYear: 8.022,
      margin: 0.3,
      annualChurnRate: 0.25,
      expectedLifetimeYears: 4,
    });
  });

  it('computes the value in integers, with the margin as written: a rial customer’s value (3 × 10^12) came out a unit off in floating point', () => {
    // 2,709,910,759,826 × 365 ÷ 279 × 0.3 × (89 ÷ 32 years) = 2,958,046,069,655.4976…: 655, where floating point gave 656.
    const value = customerValueOf({
      orders: 2,
      spend: { amount: 2_709_910_759_826, currency: 'IRR' },
      windowDays: 279,
      margin: 0.3,
      annualChurn: { churned: 32, base: 89 },
    });
    expect(value).toMatchObject({
      value: { amount: 2_958_046_069_655, currency: 'IRR' },
      averageOrderValue: { amount: 1_354_955_379_913, currency: 'IRR' },
      annualChurnRate: 0.3596,
      expectedLifetimeYears: 2.7812,
    });
    expect(decimalFraction(0.3)).toEqual({ numerator: 3n, denominator: 10n });
    expect(decimalFraction(1e-7)).toEqual({ numerator: 1n, denominator: 10_000_000n });
    expect(decimalFraction(1)).toEqual({ numerator: 1n, denominator: 1n });
  });

  it('caps the lifetime when no churn was seen, and has no value without orders', () => {
    const noChurn = customerValueOf({
      orders: 2,
      spend: { amount: 1_000, currency: 'USD' },
      windowDays: 365,
      margin: 0.5,
      annualChurn: { churned: 0, base: 7 },
    });
    expect(noChurn).toMatchObject({
      value: { amount: 1_000 * 0.5 * MAX_LIFETIME_YEARS, currency: 'USD' },
      expectedLifetimeYears: MAX_LIFETIME_YEARS,
    });
    expect(
      customerValueOf({ orders: 1, spend: { amount: 10, currency: 'IRR' }, windowDays: 365, margin: 0.3, annualChurn: null }),
    ).toMatchObject({
      expectedLifetimeYears: MAX_LIFETIME_YEARS,
    });
    expect(
      customerValueOf({
        orders: 0,
        spend: { amount: 0, currency: 'IRR' },
        windowDays: 365,
        margin: 0.3,
        annualChurn: { churned: 1, base: 2 },
      }),
    ).toBeNull();
  });
});
