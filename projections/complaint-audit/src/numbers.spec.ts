import { hoursBetween, mean, median, ratio, round } from './numbers';

describe('numbers', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeNull();
    expect(mean([1, 2, 4])).toBeCloseTo(7 / 3);
  });

  it('rounds half to even and never returns -0', () => {
    expect(round(2.345, 2)).toBe(2.34);
    expect(round(-2.345, 2)).toBe(-2.34);
    expect(round(2.355, 2)).toBe(2.36);
    expect(Object.is(round(-0.0001, 2), 0)).toBe(true);
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(1, 0)).toBeNull();
  });

  it('measures hours between times written with offsets', () => {
    expect(hoursBetween('2025-03-01T10:00:00+03:30', '2025-03-01T08:00:00Z')).toBe(1.5);
  });
});
