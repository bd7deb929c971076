import { InvalidValueError } from './errors';

/**
 * An amount in minor units of its currency. For IRR the minor unit is the rial itself:
 * toman is a display convention (÷10) and never stored, so amounts stay integers.
 */
export type Money = { readonly amount: number; readonly currency: string };

export const DEFAULT_CURRENCY = 'IRR';

/**
 * The ISO 4217 codes in use, as the runtime's ICU data knows them: three capital
 * letters are not enough ("ABC", "XYZ" are not money).
 */
export const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && CURRENCIES.has(code);
}
const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = -MAX;

export function money(amount: number, currency: string = DEFAULT_CURRENCY): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new InvalidValueError('MONEY.INVALID_AMOUNT', `Amount must be a safe integer in minor units, got ${amount}`);
  }
  if (!isCurrency(currency)) {
    throw new InvalidValueError('MONEY.INVALID_CURRENCY', `Currency must be an ISO 4217 code, got "${currency}"`);
  }
  // `+ 0` turns -0 into 0 so equal amounts are also Object.is-equal in snapshots and events.
  return { amount: amount + 0, currency };
}

export function zeroMoney(currency: string = DEFAULT_CURRENCY): Money {
  return money(0, currency);
}

export function isMoney(value: unknown): value is Money {
  if (typeof value !== 'object' || value === null) return false;
  const { amount, currency } = value as { amount?: unknown; currency?: unknown };
  return Number.isSafeInteger(amount) && isCurrency(currency);
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new InvalidValueError('MONEY.CURRENCY_MISMATCH', `Cannot combine ${a.currency} with ${b.currency}`);
  }
}

// Every result goes through BigInt and back so an overflow is refused instead of silently rounded.
function fromBigInt(amount: bigint, currency: string): Money {
  if (amount > MAX || amount < MIN) {
    throw new InvalidValueError('MONEY.OVERFLOW', `Amount ${amount} ${currency} is beyond the safe integer range`);
  }
  return money(Number(amount), currency);
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return fromBigInt(BigInt(a.amount) + BigInt(b.amount), a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return fromBigInt(BigInt(a.amount) - BigInt(b.amount), a.currency);
}

export function sumMoney(list: readonly Money[], currency: string): Money {
  let total = 0n;
  for (const item of list) {
    if (item.currency !== currency) {
      throw new InvalidValueError('MONEY.CURRENCY_MISMATCH', `Cannot sum ${item.currency} into ${currency}`);
    }
    total += BigInt(item.amount);
  }
  return fromBigInt(total, currency);
}

/** -1, 0 or 1; usable directly as an Array.prototype.sort comparator. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  if (a.amount === b.amount) return 0;
  return a.amount < b.amount ? -1 : 1;
}

/**
 * Banker's rounding: ties go to the even neighbour, so rounding errors over many quote
 * lines cancel out instead of drifting upward. Exact for integers of any size.
 */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice < denominator) return quotient;
  const away = numerator < 0n ? quotient - 1n : quotient + 1n;
  if (twice > denominator) return away;
  return quotient % 2n === 0n ? quotient : away;
}

/**
 * The decimal written as `value` scaled to an integer, or null if it has more decimals.
 * Division by the scale is correctly rounded, so it gives back exactly the double a
 * literal like 1.005 parses to; that round trip is what proves the decimal count.
 */
function toScaledInteger(value: number, scale: number): bigint | null {
  if (!Number.isFinite(value)) return null;
  const scaled = Math.round(value * scale);
  if (!Number.isSafeInteger(scaled) || scaled / scale !== value) return null;
  return BigInt(scaled);
}

/** Quantity × price; quantity may carry up to 3 decimals (e.g. 2.5 kg, 0.125 licences). */
export function multiplyMoney(m: Money, quantity: number): Money {
  const scaled = toScaledInteger(quantity, 1000);
  if (scaled === null || scaled < 0n) {
    throw new InvalidValueError(
      'MONEY.INVALID_QUANTITY',
      `Quantity must be a non-negative number with at most 3 decimals, got ${quantity}`,
    );
  }
  return fromBigInt(divideHalfEven(BigInt(m.amount) * scaled, 1000n), m.currency);
}

/** `percent`% of the amount (discount, tax); percent may carry up to 2 decimals (e.g. 12.5, 9.25). */
export function percentOf(m: Money, percent: number): Money {
  const scaled = toScaledInteger(percent, 100);
  if (scaled === null || scaled < 0n) {
    throw new InvalidValueError('MONEY.INVALID_PERCENT', `Percent must be a non-negative number with at most 2 decimals, got ${percent}`);
  }
  return fromBigInt(divideHalfEven(BigInt(m.amount) * scaled, 10000n), m.currency);
}
