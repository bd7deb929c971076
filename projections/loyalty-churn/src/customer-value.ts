import { minorUnits, RATIO_PLACES, roundHalfEven, type Money } from '@crm/shared/kernel';

/** With no churn observed, 1 ÷ churn would be infinite: the expected lifetime is capped here. */
export const MAX_LIFETIME_YEARS = 10;

export interface CustomerValueInput {
  /** Purchases in the window in the main currency. */
  readonly orders: number;
  readonly spend: Money;
  readonly windowDays: number;
  readonly margin: number;
  /** Over the 12 months before asOf; null when nobody was active at their start. */
  readonly annualChurnRate: number | null;
}

export interface CustomerValue {
  readonly value: Money;
  readonly averageOrderValue: Money;
  readonly purchasesPerYear: number;
  readonly margin: number;
  readonly annualChurnRate: number | null;
  readonly expectedLifetimeYears: number;
}

/**
 * Simple CLV (DESIGN.md): average order value × purchases per year × margin ×
 * expected lifetime in years (1 ÷ annual churn rate, at most MAX_LIFETIME_YEARS).
 * Purchases per year scale the window's count to 365 days. Null without orders in the window.
 */
export function customerValueOf(input: CustomerValueInput): CustomerValue | null {
  const { orders, spend, windowDays, margin, annualChurnRate } = input;
  if (orders === 0) return null;
  const averageOrderValue = spend.amount / orders;
  const purchasesPerYear = (orders * 365) / windowDays;
  const expectedLifetimeYears = annualChurnRate ? Math.min(1 / annualChurnRate, MAX_LIFETIME_YEARS) : MAX_LIFETIME_YEARS;
  const value = minorUnits(averageOrderValue * purchasesPerYear * margin * expectedLifetimeYears);
  return {
    value: { amount: value, currency: spend.currency },
    averageOrderValue: { amount: minorUnits(averageOrderValue), currency: spend.currency },
    purchasesPerYear: round(purchasesPerYear),
    margin,
    annualChurnRate: annualChurnRate === null ? null : round(annualChurnRate),
    expectedLifetimeYears: round(expectedLifetimeYears),
  };
}

/** Rates and ratios in replies: the one rounding rule (docs/metrics.md), half to even at four decimals. */
export const round = (value: number): number => roundHalfEven(value, RATIO_PLACES);
