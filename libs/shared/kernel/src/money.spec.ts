import { codeOf } from './error-code.testing';
import { InvalidValueError } from './errors';
import {
  DEFAULT_CURRENCY,
  Money,
  addMoney,
  compareMoney,
  isMoney,
  money,
  multiplyMoney,
  percentOf,
  subtractMoney,
  sumMoney,
  zeroMoney,
} from './money';

describe('money', () => {
  it('defaults to IRR, amounts in rials', () => {
    expect(DEFAULT_CURRENCY).toBe('IRR');
    expect(money(1_500_000)).toEqual({ amount: 1_500_000, currency: 'IRR' });
    expect(money(250, 'USD')).toEqual({ amount: 250, currency: 'USD' });
    expect(zeroMoney()).toEqual({ amount: 0, currency: 'IRR' });
    expect(zeroMoney('EUR')).toEqual({ amount: 0, currency: 'EUR' });
  });

  it('keeps negative amounts (refunds, credit notes) and folds -0 into 0', () => {
    expect(money(-5000).amount).toBe(-5000);
    expect(Object.is(money(-0).amount, 0)).toBe(true);
  });

  it('refuses fractional, non-finite and unsafe amounts', () => {
    expect(codeOf(() => money(10.5))).toBe('MONEY.INVALID_AMOUNT');
    expect(codeOf(() => money(Number.NaN))).toBe('MONEY.INVALID_AMOUNT');
    expect(codeOf(() => money(Number.POSITIVE_INFINITY))).toBe('MONEY.INVALID_AMOUNT');
    expect(codeOf(() => money(Number.MAX_SAFE_INTEGER + 1))).toBe('MONEY.INVALID_AMOUNT');
    expect(money(Number.MAX_SAFE_INTEGER).amount).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses currencies that are not ISO 4217 codes in use (three capitals are not enough)', () => {
    for (const currency of ['irr', 'IR', 'IRRR', 'ریال', 'I1R', '', 'ABC', 'XYZ', 'AAA']) {
      expect(codeOf(() => money(1, currency))).toBe('MONEY.INVALID_CURRENCY');
    }
  });

  it('throws InvalidValueError instances carrying a message', () => {
    expect(() => money(1.1)).toThrow(InvalidValueError);
    expect(() => money(1.1)).toThrow(/safe integer/);
  });
});

describe('isMoney', () => {
  it('recognises well-formed values only', () => {
    expect(isMoney({ amount: 100, currency: 'IRR' })).toBe(true);
    expect(isMoney(money(-1, 'USD'))).toBe(true);
    expect(isMoney({ amount: 1.5, currency: 'IRR' })).toBe(false);
    expect(isMoney({ amount: '100', currency: 'IRR' })).toBe(false);
    expect(isMoney({ amount: 100, currency: 'irr' })).toBe(false);
    expect(isMoney({ amount: 100 })).toBe(false);
    expect(isMoney(null)).toBe(false);
    expect(isMoney(100)).toBe(false);
    expect(isMoney(undefined)).toBe(false);
  });
});

describe('addMoney / subtractMoney', () => {
  it('adds and subtracts in the same currency', () => {
    expect(addMoney(money(1_200_000), money(800_000))).toEqual(money(2_000_000));
    expect(subtractMoney(money(1_200_000), money(2_000_000))).toEqual(money(-800_000));
  });

  it('refuses to mix currencies', () => {
    expect(codeOf(() => addMoney(money(1), money(1, 'USD')))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(codeOf(() => subtractMoney(money(1, 'EUR'), money(1)))).toBe('MONEY.CURRENCY_MISMATCH');
  });

  it('is exact for large rial amounts (9,000,000,000,000 rials)', () => {
    const big = money(9_000_000_000_000);
    expect(addMoney(big, money(1)).amount).toBe(9_000_000_000_001);
    expect(subtractMoney(big, money(1)).amount).toBe(8_999_999_999_999);
  });

  it('refuses results beyond the safe integer range instead of rounding them', () => {
    expect(codeOf(() => addMoney(money(Number.MAX_SAFE_INTEGER), money(1)))).toBe('MONEY.OVERFLOW');
    expect(codeOf(() => subtractMoney(money(-Number.MAX_SAFE_INTEGER), money(1)))).toBe('MONEY.OVERFLOW');
  });
});

describe('sumMoney', () => {
  it('sums a list, and an empty list is zero in the given currency', () => {
    expect(sumMoney([money(100), money(250), money(-50)], 'IRR')).toEqual(money(300));
    expect(sumMoney([], 'USD')).toEqual(zeroMoney('USD'));
  });

  it('refuses an item in another currency', () => {
    expect(codeOf(() => sumMoney([money(1), money(1, 'USD')], 'IRR'))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(codeOf(() => sumMoney([money(1)], 'USD'))).toBe('MONEY.CURRENCY_MISMATCH');
  });

  it('tolerates intermediate sums that a float could not hold when the total fits', () => {
    const list = [money(Number.MAX_SAFE_INTEGER), money(10), money(-10)];
    expect(sumMoney(list, 'IRR').amount).toBe(Number.MAX_SAFE_INTEGER);
    expect(codeOf(() => sumMoney([money(Number.MAX_SAFE_INTEGER), money(1)], 'IRR'))).toBe('MONEY.OVERFLOW');
  });
});

describe('compareMoney', () => {
  it('orders amounts and works as a sort comparator', () => {
    expect(compareMoney(money(1), money(2))).toBe(-1);
    expect(compareMoney(money(2), money(2))).toBe(0);
    expect(compareMoney(money(3), money(2))).toBe(1);
    const sorted = [money(30), money(-10), money(20)].sort(compareMoney).map((m) => m.amount);
    expect(sorted).toEqual([-10, 20, 30]);
  });

  it('refuses to compare different currencies', () => {
    expect(codeOf(() => compareMoney(money(1), money(1, 'USD')))).toBe('MONEY.CURRENCY_MISMATCH');
  });
});

describe('multiplyMoney', () => {
  it('multiplies by whole and fractional quantities exactly', () => {
    expect(multiplyMoney(money(333_333), 3)).toEqual(money(999_999));
    expect(multiplyMoney(money(1_000_000), 2.5)).toEqual(money(2_500_000));
    expect(multiplyMoney(money(1_000), 0.001)).toEqual(money(1));
    expect(multiplyMoney(money(1_000_000), 0)).toEqual(money(0));
  });

  it('has no float drift where plain multiplication has', () => {
    // 0.29 × 100 is 28.999999999999996 in floating point.
    expect(0.29 * 100).not.toBe(29);
    expect(multiplyMoney(money(100), 0.29)).toEqual(money(29));
    // 1.005 × 1000 is 1004.9999999999999 in floating point.
    expect(multiplyMoney(money(1000), 1.005)).toEqual(money(1005));
  });

  it('rounds half to even', () => {
    expect(multiplyMoney(money(5), 0.5)).toEqual(money(2)); // 2.5 → 2
    expect(multiplyMoney(money(7), 0.5)).toEqual(money(4)); // 3.5 → 4
    expect(multiplyMoney(money(3), 0.5)).toEqual(money(2)); // 1.5 → 2
    expect(multiplyMoney(money(-5), 0.5)).toEqual(money(-2)); // -2.5 → -2
    expect(multiplyMoney(money(-7), 0.5)).toEqual(money(-4)); // -3.5 → -4
    expect(multiplyMoney(money(1), 0.501)).toEqual(money(1)); // 0.501 → 1, not a tie
    expect(multiplyMoney(money(1), 0.499)).toEqual(money(0));
  });

  it('is exact on large rial amounts', () => {
    expect(multiplyMoney(money(9_000_000_000_000), 1.5)).toEqual(money(13_500_000_000_000));
    expect(multiplyMoney(money(9_000_000_000_000), 0.333)).toEqual(money(2_997_000_000_000));
    expect(multiplyMoney(money(3_000_000_000_001), 3)).toEqual(money(9_000_000_000_003));
  });

  it('refuses negative, non-finite or over-precise quantities and overflow', () => {
    expect(codeOf(() => multiplyMoney(money(1), -1))).toBe('MONEY.INVALID_QUANTITY');
    expect(codeOf(() => multiplyMoney(money(1), 1.0005))).toBe('MONEY.INVALID_QUANTITY');
    expect(codeOf(() => multiplyMoney(money(1), Number.NaN))).toBe('MONEY.INVALID_QUANTITY');
    expect(codeOf(() => multiplyMoney(money(1), Number.POSITIVE_INFINITY))).toBe('MONEY.INVALID_QUANTITY');
    expect(codeOf(() => multiplyMoney(money(Number.MAX_SAFE_INTEGER), 2))).toBe('MONEY.OVERFLOW');
  });
});

describe('percentOf', () => {
  it('takes whole and two-decimal percentages', () => {
    expect(percentOf(money(2_000_000), 9)).toEqual(money(180_000));
    expect(percentOf(money(1_000_000), 12.5)).toEqual(money(125_000));
    expect(percentOf(money(1_000_000), 0.01)).toEqual(money(100));
    expect(percentOf(money(1_000_000), 100)).toEqual(money(1_000_000));
    expect(percentOf(money(1_000_000), 0)).toEqual(money(0));
  });

  it('rounds half to even', () => {
    expect(percentOf(money(250), 1)).toEqual(money(2)); // 2.5 → 2
    expect(percentOf(money(350), 1)).toEqual(money(4)); // 3.5 → 4
    expect(percentOf(money(-250), 1)).toEqual(money(-2));
    expect(percentOf(money(251), 1)).toEqual(money(3)); // 2.51 → 3
  });

  it('has no float drift: 9,000,000,000,000 rials × 9.99%', () => {
    expect(percentOf(money(9_000_000_000_000), 9.99)).toEqual(money(899_100_000_000));
    expect(percentOf(money(9_007_199_254_740_991), 50)).toEqual(money(4_503_599_627_370_496)); // …495.5 → even
  });

  it('refuses negative or over-precise percentages', () => {
    expect(codeOf(() => percentOf(money(1), -5))).toBe('MONEY.INVALID_PERCENT');
    expect(codeOf(() => percentOf(money(1), 12.345))).toBe('MONEY.INVALID_PERCENT');
    expect(codeOf(() => percentOf(money(1), Number.NaN))).toBe('MONEY.INVALID_PERCENT');
  });
});

describe('a quote line: quantity × unit price − discount%', () => {
  function lineTotal(unitPrice: Money, quantity: number, discountPercent: number): Money {
    const gross = multiplyMoney(unitPrice, quantity);
    return subtractMoney(gross, percentOf(gross, discountPercent));
  }

  it('3 × 333,333 rials with a 12.5% discount is exactly 874,999 rials', () => {
    // 999,999 × 12.5% = 124,999.875 → 125,000; 999,999 − 125,000 = 874,999.
    expect(percentOf(money(999_999), 12.5)).toEqual(money(125_000));
    expect(lineTotal(money(333_333), 3, 12.5)).toEqual(money(874_999));
  });

  it('stays exact for a 9,000,000,000,000-rial line with 2.5 units and 7.25% off', () => {
    // 22,500,000,000,000 − 1,631,250,000,000 = 20,868,750,000,000
    expect(lineTotal(money(9_000_000_000_000), 2.5, 7.25)).toEqual(money(20_868_750_000_000));
  });

  it('sums lines into a quote total', () => {
    const lines = [lineTotal(money(333_333), 3, 12.5), lineTotal(money(1_250_000), 2, 0), lineTotal(money(99_999), 0.5, 10)];
    // 874,999 + 2,500,000 + (49,999.5 → 50,000; −5,000 = 45,000)
    expect(sumMoney(lines, 'IRR')).toEqual(money(3_419_999));
  });
});
