import type { FieldPath, NormalizedAggregate, NormalizedSortKey, Predicate } from '@crm/shared/read-model';
import type { Document, Filter, Sort } from 'mongodb';

/** How a document is kept: the id as `_id`, the position last applied, the JSON document under `d`. */
export interface StoredDocument {
  _id: string;
  p: string | null;
  d: Document;
}

export interface StoredState {
  _id: string;
  checkpoint: string | null;
  details: Document;
}

export const field = (path: FieldPath): string => `d.${path.segments.join('.')}`;

/**
 * The filter language in MongoDB's own terms; most of it maps one to one
 * (type bracketing makes ranges type-strict, `$eq: null` matches absent
 * fields, `$ne` matches them too). Not mapped: MongoDB's implicit matching
 * inside arrays, which the language leaves out.
 */
function condition(predicate: Predicate): Document {
  switch (predicate.op) {
    case 'eq':
      return { $eq: predicate.value };
    case 'ne':
      return { $ne: predicate.value };
    case 'exists':
      return predicate.value ? { $ne: null } : { $eq: null };
    case 'in':
      return { $in: [...predicate.value] };
    default:
      return { [`$${predicate.op}`]: predicate.value };
  }
}

export function mongoFilter(predicates: readonly Predicate[]): Filter<StoredDocument> {
  if (predicates.length === 0) return {};
  return { $and: predicates.map((predicate) => ({ [field(predicate.path)]: condition(predicate) })) };
}

/** Absent values sort first ascending and last descending in MongoDB too; ties break on the id. */
export function mongoSort(keys: readonly NormalizedSortKey[]): Sort {
  const sort: Record<string, 1 | -1> = {};
  for (const key of keys) sort[field(key.path)] = key.direction === 'asc' ? 1 : -1;
  sort['_id'] = 1;
  return sort;
}

export function aggregatePipeline(query: NormalizedAggregate): Document[] {
  // $ifNull folds a missing field and a null one into the same group, as the language requires.
  const id =
    query.groupBy.length === 0
      ? null
      : Object.fromEntries(query.groupBy.map((path, i) => [`g${i}`, { $ifNull: [`$${field(path)}`, null] }]));
  const sums = Object.fromEntries(query.sum.map((path, i) => [`s${i}`, { $sum: `$${field(path)}` }]));
  return [{ $match: mongoFilter(query.predicates) }, { $group: { _id: id, n: { $sum: 1 }, ...sums } }];
}
