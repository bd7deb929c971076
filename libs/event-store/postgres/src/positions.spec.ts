import { comparePositions, formatPosition, parsePosition } from './positions';

describe('PostgreSQL global positions', () => {
  it('orders by transaction id first, then position, numerically', () => {
    expect(comparePositions('9/100', '10/1')).toBeLessThan(0);
    expect(comparePositions('10/2', '10/10')).toBeLessThan(0);
    expect(comparePositions('10/10', '10/10')).toBe(0);
    expect(comparePositions('18446744073709551615/1', '18446744073709551614/9223372036854775807')).toBeGreaterThan(0);
  });

  it('round-trips and refuses what is not a position', () => {
    expect(parsePosition(formatPosition('42', '7'))).toEqual({ transactionId: '42', position: '7' });
    for (const bad of ['', '7', '1/2/3', 'a/1', '-1/2', '1/ 2', '01/2']) expect(() => parsePosition(bad)).toThrow(RangeError);
  });
});
