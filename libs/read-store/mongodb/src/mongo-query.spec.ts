import { aggregateOf, DOCUMENT_ID, indexKeysOf, keysetOf, predicatesOf, sortKeysOf } from '@crm/shared/read-model';
import { aggregatePipeline, indexKeys, mongoFilter, mongoSort } from './mongo-query';

describe('the filter language in MongoDB terms', () => {
  it('maps each operator onto its MongoDB counterpart under the document field', () => {
    expect(
      mongoFilter(
        predicatesOf({
          'address.city': 'تهران',
          age: { gte: 30, lt: 41 },
          tier: { ne: null, in: ['gold'] },
          note: { exists: false },
          zip: { exists: true },
        }),
      ),
    ).toEqual({
      $and: [
        { 'd.address.city': { $eq: 'تهران' } },
        { 'd.age': { $gte: 30 } },
        { 'd.age': { $lt: 41 } },
        { 'd.tier': { $ne: null } },
        { 'd.tier': { $in: ['gold'] } },
        { 'd.note': { $eq: null } },
        { 'd.zip': { $ne: null } },
      ],
    });
    expect(mongoFilter([])).toEqual({});
  });

  it('sorts with the id as the last key, in the direction of the first', () => {
    expect(mongoSort(sortKeysOf([{ field: 'tier' }, { field: 'age', direction: 'desc' }]))).toEqual({ 'd.tier': 1, 'd.age': -1, _id: 1 });
    expect(mongoSort(sortKeysOf([{ field: 'age', direction: 'desc' }, { field: 'tier' }]))).toEqual({ 'd.age': -1, 'd.tier': 1, _id: -1 });
    expect(mongoSort(sortKeysOf([]))).toEqual({ _id: 1 });
  });

  it('indexes each field under the document in its declared direction, and the document id as _id', () => {
    expect(indexKeys(indexKeysOf(['tenantId', 'probability desc', DOCUMENT_ID]))).toEqual({ 'd.tenantId': 1, 'd.probability': -1, _id: 1 });
    // The sorts the ascending one serves, walked either way.
    expect(indexKeys(indexKeysOf(['tenantId', 'probability', DOCUMENT_ID]))).toEqual({ 'd.tenantId': 1, 'd.probability': 1, _id: 1 });
    expect(mongoSort(sortKeysOf([{ field: 'probability' }]))).toEqual({ 'd.probability': 1, _id: 1 });
    expect(mongoSort(sortKeysOf([{ field: 'probability', direction: 'desc' }]))).toEqual({ 'd.probability': -1, _id: -1 });
    expect(indexKeys(indexKeysOf(['tenantId', 'amount.amount']))).toEqual({ 'd.tenantId': 1, 'd.amount.amount': 1 });
  });

  it('groups missing and null together and sums under positional names', () => {
    expect(aggregatePipeline(aggregateOf({ where: { active: true }, groupBy: ['tier'], sum: ['age'] }))).toEqual([
      { $match: { $and: [{ 'd.active': { $eq: true } }] } },
      { $group: { _id: { g0: { $ifNull: ['$d.tier', null] } }, n: { $sum: 1 }, s0: { $sum: '$d.age' } } },
    ]);
    expect(aggregatePipeline(aggregateOf({}))[1]).toEqual({ $group: { _id: null, n: { $sum: 1 } } });
  });

  it('pages after a keyset: past the value in the order, ties by id in the same order, absent values first ascending and last descending', () => {
    const after = (direction: 'asc' | 'desc', value: string | number | null) =>
      mongoFilter([], keysetOf({ values: [value], id: 'k' }, sortKeysOf([{ field: 'amount', direction }])));
    expect(after('asc', 5)).toEqual({ $and: [{ $or: [{ 'd.amount': { $gt: 5 } }, { 'd.amount': { $eq: 5 }, _id: { $gt: 'k' } }] }] });
    expect(after('desc', 5)).toEqual({
      $and: [{ $or: [{ 'd.amount': { $lt: 5 } }, { 'd.amount': { $eq: 5 }, _id: { $lt: 'k' } }, { 'd.amount': { $eq: null } }] }],
    });
    expect(after('asc', null)).toEqual({
      $and: [{ $or: [{ 'd.amount': { $eq: null }, _id: { $gt: 'k' } }, { 'd.amount': { $ne: null } }] }],
    });
    expect(after('desc', null)).toEqual({ $and: [{ 'd.amount': { $eq: null }, _id: { $lt: 'k' } }] });
    expect(mongoFilter([], keysetOf({ values: [], id: 'k' }, []))).toEqual({ $and: [{ _id: { $gt: 'k' } }] });
  });
});
