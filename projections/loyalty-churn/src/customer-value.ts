import { divideHalfEven, RATIO_PLACES, roundHalfEven, type Money } from '@crm/shared/kernel';

/** With no churn observed, 1 ÷ churn would be infinite: the expected lifetime is capped here. */
export const MAX_LIFETIME_YEARS = 10;

export interface CustomerValueInput {
  /** Purchases in the window in the main currency. */
  readonly orders: number;
  readonly spend: Money;
  readonly windowDays: number;
  readonly margin: number;
  /** Over the 12 months before asOf: churned of the base active at their start; null when nobody was. */
  readonly annualChurn: AnnualChurn | null;
}

/** The annual churn as its counts, so that what divides by it stays exact. */
export interface AnnualChurn {
  readonly churned: number;
  readonly base: number;
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
  const { orders, spend, windowDays, margin, annualChurn } = input;
  if (orders === 0) return null;
  const annualChurnRate = annualChurn === null || annualChurn.base === 0 ? null : annualChurn.churned / annualChurn.base;
  const purchasesPerYear = (orders * 365) / windowDays;
  // 1 ÷ (churned ÷ base) = base ÷ churned years, unless that is past the cap (or nobody churned).
  const capped = annualChurn === null || annualChurn.churned === 0 || annualChurn.base >= MAX_LIFETIME_YEARS * annualChurn.churned;
  const lifetime = capped
    ? { years: BigInt(MAX_LIFETIME_YEARS), per: 1n }
    : { years: BigInt(annualChurn.base), per: BigInt(annualChurn.churned) };
  // spend ÷ orders × orders × 365 ÷ windowDays × margin × lifetime, in integers (margin as the decimal it is written
  // as): rounded once, exact within ±(2^53 − 1). In floating point a value near .5 past the minor unit was read as a
  // tie (roundHalfEven's float tolerance grows with the value): a unit off already at 3 × 10^12.
  const share = decimalFraction(margin);
  const value = divideHalfEven(
    BigInt(spend.amount) * 365n * share.numerator * lifetime.years,
    BigInt(windowDays) * share.denominator * lifetime.per,
  );
  return {
    value: { amount: Number(value), currency: spend.currency },
    averageOrderValue: { amount: Number(divideHalfEven(BigInt(spend.amount), BigInt(orders))), currency: spend.currency },
    purchasesPerYear: round(purchasesPerYear),
    margin,
    annualChurnRate: annualChurnRate === null ? null : round(annualChurnRate),
    expectedLifetimeYears: round(Number(lifetime.years) / Number(lifetime.per)),
  };
}

/** The decimal a number is written as (its shortest spelling: 0.3 is 3 ÷ 10, not the double nearest it), as a fraction. */
export function decimalFraction(value: number): { readonly numerator: bigint; readonly denominator: bigint } {
  const [mantissa = '0', exponent = '0'] = String(value).toLowerCase().split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const places = fraction.length - Number(exponent);
  const digits = BigInt(`${whole}${fraction}`);
  return places >= 0
    ? { numerator: digits, denominator: 10n ** BigInt(places) }
    : { numerator: digits * 10n ** BigInt(-places), denominator: 1n };
}

/** Rates and ratios in replies: the one rounding rule (docs/metrics.md), half to even at four decimals. */
export const round = (value: number): number => roundHalfEven(value, RATIO_PLACES);
