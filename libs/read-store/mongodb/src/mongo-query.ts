import {
  tieDirection,
  type FieldPath,
  type IndexKey,
  type NormalizedAggregate,
  type NormalizedKeyset,
  type NormalizedSortKey,
  type Predicate,
} from '@crm/shared/read-model';
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

export function mongoFilter(predicates: readonly Predicate[], keyset?: NormalizedKeyset): Filter<StoredDocument> {
  const after = keysetFilter(keyset);
  const conditions: Filter<StoredDocument>[] = [
    ...predicates.map((predicate) => ({ [field(predicate.path)]: condition(predicate) })),
    ...(after === undefined ? [] : [after]),
  ];
  if (conditions.length === 0) return {};
  return { $and: conditions };
}

/**
 * Documents after the keyset in mongoSort's order. Type bracketing keeps the
 * range to the cursor value's type; absent values sort first ascending and
 * last descending.
 */
export function keysetFilter(keyset: NormalizedKeyset | undefined): Filter<StoredDocument> | undefined {
  if (keyset === undefined) return undefined;
  const { key, value, id } = keyset;
  if (key === undefined) return { _id: { $gt: id } };
  const f = field(key.path);
  // Ties break on the id in the key's direction (tieDirection): descending is ascending reversed.
  const idAfter = { [key.direction === 'asc' ? '$gt' : '$lt']: id };
  if (value === null) {
    const nullsAfter = { [f]: { $eq: null }, _id: idAfter };
    return key.direction === 'asc' ? { $or: [nullsAfter, { [f]: { $ne: null } }] } : nullsAfter;
  }
  const beyond = { [f]: { [key.direction === 'asc' ? '$gt' : '$lt']: value } };
  const tie = { [f]: { $eq: value }, _id: idAfter };
  return { $or: key.direction === 'asc' ? [beyond, tie] : [beyond, tie, { [f]: { $eq: null } }] };
}

/** Absent values sort first ascending and last descending in MongoDB too; ties break on the id, in the sort's direction. */
export function mongoSort(keys: readonly NormalizedSortKey[]): Sort {
  const sort: Record<string, 1 | -1> = {};
  for (const key of keys) sort[field(key.path)] = key.direction === 'asc' ? 1 : -1;
  sort['_id'] = tieDirection(keys) === 'asc' ? 1 : -1;
  return sort;
}

/**
 * An index's keys: each field under the document (`-1` when declared descending), and the document id (DOCUMENT_ID)
 * as `_id`. With the id last the index's order is mongoSort's whole order, ties included, walked either way, so a
 * page of a sort whose values tie reads its own documents instead of sorting the tie in memory.
 */
export function indexKeys(keys: readonly IndexKey[]): Record<string, 1 | -1> {
  return Object.fromEntries(keys.map((key) => (key.kind === 'id' ? ['_id', 1] : [field(key.path), key.direction === 'asc' ? 1 : -1])));
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
