import { isCsatSatisfied, npsCategory, servqualGaps } from './survey.metrics';

describe('npsCategory', () => {
  it.each([
    [0, 'detractor'],
    [6, 'detractor'],
    [7, 'passive'],
    [8, 'passive'],
    [9, 'promoter'],
    [10, 'promoter'],
  ])('%i is a %s', (score, category) => {
    expect(npsCategory(score)).toBe(category);
  });

  it.each([-1, 11, 8.5])('throws on %p, which the decider never records', (score) => {
    expect(() => npsCategory(score)).toThrow(RangeError);
  });
});

describe('isCsatSatisfied', () => {
  it.each([
    [1, false],
    [3, false],
    [4, true],
    [5, true],
  ])('%i → %p', (score, satisfied) => {
    expect(isCsatSatisfied(score)).toBe(satisfied);
  });

  it.each([0, 6])('throws on %i', (score) => {
    expect(() => isCsatSatisfied(score)).toThrow(RangeError);
  });
});

describe('servqualGaps', () => {
  it('is perception − expectation per dimension, negative where expectations were not met', () => {
    expect(
      servqualGaps({
        expectations: { tangibles: 5, reliability: 7, responsiveness: 6, assurance: 6, empathy: 5 },
        perceptions: { tangibles: 6, reliability: 4, responsiveness: 5, assurance: 6, empathy: 3 },
      }),
    ).toEqual({ tangibles: 1, reliability: -3, responsiveness: -1, assurance: 0, empathy: -2 });
  });
});
