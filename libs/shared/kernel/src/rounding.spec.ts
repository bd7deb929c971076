import { ratioOf, roundHalfEven } from './rounding';

describe('roundHalfEven', () => {
  it.each([
    [0.125, 2, 0.12],
    [0.135, 2, 0.14],
    [0.285, 2, 0.28],
    [2.5, 0, 2],
    [3.5, 0, 4],
    [-2.5, 0, -2],
    [1.005, 2, 1],
    [0.12345, 4, 0.1234],
    [0.12355, 4, 0.1236],
    [0.123451, 4, 0.1235],
    [12_345_678_901.5, 0, 12_345_678_902],
    [12_345_678_900.5, 0, 12_345_678_900],
    [2.675, 2, 2.68],
    [-0.0001, 2, 0],
  ])('%p to %p places → %p', (value, places, expected) => {
    expect(roundHalfEven(value, places)).toBe(expected);
  });

  it('refuses what is not a number', () => {
    expect(() => roundHalfEven(Number.NaN)).toThrow(RangeError);
  });
});

describe('ratioOf', () => {
  it('gives a 0–1 ratio to 4 decimals, null for nothing', () => {
    expect(ratioOf(1, 3)).toBe(0.3333);
    expect(ratioOf(1, 8)).toBe(0.125);
    expect(ratioOf(1, 16)).toBe(0.0625);
    expect(ratioOf(1, 0)).toBeNull();
  });
});
