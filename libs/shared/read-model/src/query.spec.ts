import { InvalidQueryError } from './errors';
import { aggregateOf, pageOf, parsePath, predicatesOf, sortKeysOf } from './query';

describe('the filter language', () => {
  it('reads shorthand equality and operator objects into predicates', () => {
    expect(
      predicatesOf({ status: 'open', 'amount.value': { gte: 10, lt: 20 }, owner: null }).map((p) => [p.path.text, p.op, p.value]),
    ).toEqual([
      ['status', 'eq', 'open'],
      ['amount.value', 'gte', 10],
      ['amount.value', 'lt', 20],
      ['owner', 'eq', null],
    ]);
    expect(predicatesOf({ a: { gt: undefined, lt: 3 } }).map((p) => p.op)).toEqual(['lt']);
    expect(predicatesOf(undefined)).toEqual([]);
  });

  it.each([
    [{ 'a..b': 1 }],
    [{ '': 1 }],
    [{ "x'); DROP TABLE t; --": 1 }],
    [{ 'a.0': 1 }],
    [{ a: { like: 'x' } }],
    [{ a: {} }],
    [{ a: { gt: true } }],
    [{ a: { eq: [1] } }],
    [{ a: { in: [null] } }],
    [{ a: { exists: 'yes' } }],
    [{ a: Number.NaN }],
    [{ a: [1, 2] }],
  ])('refuses %j', (where) => {
    expect(() => predicatesOf(where as never)).toThrow(InvalidQueryError);
  });

  it('checks sort keys, pages and aggregates', () => {
    expect(sortKeysOf([{ field: 'a.b' }, { field: 'c', direction: 'desc' }]).map((k) => [k.path.segments, k.direction])).toEqual([
      [['a', 'b'], 'asc'],
      [['c'], 'desc'],
    ]);
    expect(() => sortKeysOf([{ field: 'a', direction: 'up' as never }])).toThrow(InvalidQueryError);
    expect(pageOf({ limit: 5 })).toEqual({ limit: 5, offset: 0 });
    expect(() => pageOf({ offset: 1.5 })).toThrow(InvalidQueryError);
    expect(aggregateOf({ groupBy: 'stage', sum: ['amount'] }).groupBy.map((f) => f.text)).toEqual(['stage']);
    expect(parsePath('stage_code').segments).toEqual(['stage_code']);
  });
});
