import type { DocumentRecord, Scalar } from './document';
import {
  tieDirection,
  type AggregateRow,
  type FieldPath,
  type NormalizedAggregate,
  type NormalizedKeyset,
  type NormalizedSortKey,
  type Predicate,
} from './query';

/**
 * The filter language evaluated in JavaScript: the in-memory store's engine and
 * the reference the SQL and MongoDB translations are checked against.
 */

/** Objects are walked, arrays are not: `a.0` is not a path in this language. */
export function readPath(doc: unknown, path: FieldPath): unknown {
  let value: unknown = doc;
  for (const segment of path.segments) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value ?? undefined;
}

/** Code-point order, which is what SQLite's BINARY, PostgreSQL's "C" collation and MongoDB's default agree on. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const left = Array.from(a);
  const right = Array.from(b);
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i += 1) {
    const x = (left[i] as string).codePointAt(0) as number;
    const y = (right[i] as string).codePointAt(0) as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return Math.sign(left.length - right.length);
}

const typeRank = (value: unknown): number => {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  return 4;
};

/** A total order for sorting: absent first, then by type, then by value. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return Math.sign(rank);
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

function equals(value: unknown, expected: Scalar): boolean {
  if (expected === null) return value === undefined;
  return typeof value === typeof expected && value === expected;
}

function inRange(value: unknown, predicate: Predicate & { op: 'gt' | 'gte' | 'lt' | 'lte' }): boolean {
  if (typeof value !== typeof predicate.value) return false;
  const order = compareValues(value, predicate.value);
  switch (predicate.op) {
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
  }
}

export function matches(doc: unknown, predicates: readonly Predicate[]): boolean {
  return predicates.every((predicate) => {
    const value = readPath(doc, predicate.path);
    switch (predicate.op) {
      case 'eq':
        return equals(value, predicate.value);
      case 'ne':
        return !equals(value, predicate.value);
      case 'in':
        return predicate.value.some((candidate) => equals(value, candidate));
      case 'exists':
        return (value !== undefined) === predicate.value;
      default:
        return inRange(value, predicate);
    }
  });
}

/** Whether a record comes after the keyset in the order of its key (then id), as sortRecords orders. */
export function isAfter(record: DocumentRecord<object>, keyset: NormalizedKeyset): boolean {
  if (keyset.key !== undefined) {
    const order = compareValues(readPath(record.doc, keyset.key.path), keyset.value ?? undefined);
    if (order !== 0) return keyset.key.direction === 'asc' ? order > 0 : order < 0;
  }
  const tie = compareStrings(record.id, keyset.id);
  return keyset.key?.direction === 'desc' ? tie < 0 : tie > 0;
}

export function sortRecords<D extends object>(records: DocumentRecord<D>[], keys: readonly NormalizedSortKey[]): DocumentRecord<D>[] {
  const tie = tieDirection(keys) === 'asc' ? 1 : -1;
  return records.sort((a, b) => {
    for (const key of keys) {
      const order = compareValues(readPath(a.doc, key.path), readPath(b.doc, key.path));
      if (order !== 0) return key.direction === 'asc' ? order : -order;
    }
    return tie * compareStrings(a.id, b.id);
  });
}

const asScalar = (value: unknown): Scalar =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;

/** Group rows in a stable order, so every adapter answers alike whatever its GROUP BY yields. */
export function sortAggregateRows(rows: AggregateRow[], groupBy: readonly FieldPath[]): AggregateRow[] {
  return rows.sort((a, b) => {
    for (const field of groupBy) {
      const order = compareValues(a.group[field.text], b.group[field.text]);
      if (order !== 0) return order;
    }
    return 0;
  });
}

export function aggregateDocuments(docs: Iterable<unknown>, query: NormalizedAggregate): AggregateRow[] {
  const groups = new Map<string, { group: Record<string, Scalar>; count: number; sums: Record<string, number> }>();
  for (const doc of docs) {
    if (!matches(doc, query.predicates)) continue;
    const group: Record<string, Scalar> = {};
    for (const field of query.groupBy) group[field.text] = asScalar(readPath(doc, field));
    const key = JSON.stringify(query.groupBy.map((field) => group[field.text]));
    let row = groups.get(key);
    if (!row) {
      row = { group, count: 0, sums: Object.fromEntries(query.sum.map((field) => [field.text, 0])) };
      groups.set(key, row);
    }
    row.count += 1;
    for (const field of query.sum) {
      const value = readPath(doc, field);
      if (typeof value === 'number') row.sums[field.text] = (row.sums[field.text] ?? 0) + value;
    }
  }
  if (groups.size === 0 && query.groupBy.length === 0) return [emptyAggregate(query)];
  return sortAggregateRows([...groups.values()], query.groupBy);
}

/** Without groupBy there is always one row, even over no documents, as SQL's aggregates give. */
export function emptyAggregate(query: NormalizedAggregate): AggregateRow {
  return { group: {}, count: 0, sums: Object.fromEntries(query.sum.map((field) => [field.text, 0])) };
}
