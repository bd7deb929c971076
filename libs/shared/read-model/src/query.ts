import type { Scalar } from './document';
import { InvalidQueryError } from './errors';

/**
 * The filter language every adapter speaks, with the same meaning everywhere
 * (the contract suite pins it down):
 * - a missing field and a JSON null are the same ("absent");
 * - `eq: null` and `exists: false` match absent fields, `exists: true` present ones;
 * - `ne` matches absent fields too (as MongoDB's `$ne` does);
 * - ranges only match values of the operand's type: numbers with numbers,
 *   strings with strings (ISO dates compare correctly as strings), in code-point order;
 * - fields compared must hold scalars: matching inside arrays is not part of the language.
 */
export type Comparable = string | number;

export interface FieldCondition {
  readonly eq?: Scalar;
  readonly ne?: Scalar;
  readonly gt?: Comparable;
  readonly gte?: Comparable;
  readonly lt?: Comparable;
  readonly lte?: Comparable;
  readonly in?: readonly Comparable[];
  readonly exists?: boolean;
}

/** AND of conditions on dotted field paths; a bare scalar is shorthand for `eq`. */
export type Where = { readonly [path: string]: Scalar | FieldCondition };

export type SortDirection = 'asc' | 'desc';

export interface SortKey {
  readonly field: string;
  readonly direction?: SortDirection;
}

/**
 * A position in a find's order (keyset paging): the sort values and the id of
 * the last document a page held. The next page starts after it, through the
 * same index the order uses, however deep it is.
 */
export interface Keyset {
  /** One per `orderBy` key (at most one key), null when that document had no value. */
  readonly values: readonly (Comparable | null)[];
  readonly id: string;
}

export interface FindQuery {
  readonly where?: Where;
  /**
   * Absent values sort first ascending, last descending; ties always break on the document id, in the direction of
   * the first key (ascending when there is none): a descending order is the ascending one reversed, so one index
   * (the field, then the id) serves both.
   */
  readonly orderBy?: readonly SortKey[];
  readonly limit?: number;
  readonly offset?: number;
  /**
   * Only documents after this one in the query's order. Needs at most one sort
   * key, whose field holds one type (numbers or strings) or is absent in the
   * documents paged: values of another type are not placed by it.
   */
  readonly after?: Keyset;
  /**
   * The field whose range the find is narrowest on, when the caller knows it and the store's planner cannot: its
   * index serves the find and the other ranges are checked on the rows it reads (`rangesLeftToRows`; SQLite and
   * PostgreSQL). A hint: MongoDB ignores it, and the answer is the same either way.
   */
  readonly through?: string;
}

export interface AggregateQuery {
  readonly where?: Where;
  readonly groupBy?: string | readonly string[];
  /** Sums numeric values only; absent or non-numeric values add nothing. */
  readonly sum?: readonly string[];
  /** Rows always carry their count; accepted for readability at call sites. */
  readonly count?: true;
}

export interface AggregateRow {
  /** The group's value of each groupBy field, null when absent; empty without groupBy. */
  readonly group: Readonly<Record<string, Scalar>>;
  readonly count: number;
  readonly sums: Readonly<Record<string, number>>;
}

export interface FieldPath {
  readonly text: string;
  readonly segments: readonly string[];
}

export type Predicate =
  | { readonly path: FieldPath; readonly op: 'eq' | 'ne'; readonly value: Scalar }
  | { readonly path: FieldPath; readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly value: Comparable }
  | { readonly path: FieldPath; readonly op: 'in'; readonly value: readonly Comparable[] }
  | { readonly path: FieldPath; readonly op: 'exists'; readonly value: boolean };

export interface NormalizedSortKey {
  readonly path: FieldPath;
  readonly direction: SortDirection;
}

const RANGE_OPS: ReadonlySet<Predicate['op']> = new Set(['gt', 'gte', 'lt', 'lte']);

/**
 * The ranges a find sorted by a field it also bounds (or naming its narrowest field, `through`) leaves to the rows
 * it walks: those on other fields, which a store then writes so that no index serves them. A planner without
 * statistics (SQLite), or one whose estimate for a conjunction of ranges on JSON expressions is a row or two
 * (PostgreSQL), may take another range's index and sort every row of that range to find the page: a median's window
 * of one duration bucket within a received period sorted the period's every complaint (SQLite: 0.9 s at 1M events
 * over 25 years; PostgreSQL: 0.26–0.5 s for 38,738 rows walked to keep 749). Along the served field's index the find
 * reads its own range in order and stops at its page.
 */
export function rangesLeftToRows(
  predicates: readonly Predicate[],
  keys: readonly NormalizedSortKey[],
  through?: string,
): (predicate: Predicate) => boolean {
  const served = through ?? keys[0]?.path.text;
  const bounded = served !== undefined && predicates.some((predicate) => RANGE_OPS.has(predicate.op) && predicate.path.text === served);
  return (predicate) => bounded && RANGE_OPS.has(predicate.op) && predicate.path.text !== served;
}

// Paths are spliced into SQL JSON paths and index expressions, so only plain identifiers pass.
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parsePath(text: string): FieldPath {
  const segments = typeof text === 'string' ? text.split('.') : [];
  if (segments.length === 0 || segments.length > 16 || !segments.every((segment) => SEGMENT.test(segment))) {
    throw new InvalidQueryError(`invalid field path ${JSON.stringify(text)}: use dotted identifiers like "amount.value"`);
  }
  return { text, segments };
}

const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

const isComparable = (value: unknown): value is Comparable =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

function predicate(path: FieldPath, op: string, value: unknown): Predicate {
  const bad = (expected: string) => new InvalidQueryError(`${path.text}: "${op}" needs ${expected}, got ${JSON.stringify(value)}`);
  switch (op) {
    case 'eq':
    case 'ne':
      if (!isScalar(value)) throw bad('a string, finite number, boolean or null');
      return { path, op, value };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (!isComparable(value)) throw bad('a string or a finite number');
      return { path, op, value };
    case 'in':
      if (!Array.isArray(value) || !value.every(isComparable)) throw bad('an array of strings or finite numbers');
      return { path, op, value };
    case 'exists':
      if (typeof value !== 'boolean') throw bad('true or false');
      return { path, op, value };
    default:
      throw new InvalidQueryError(`${path.text}: unknown operator "${op}"`);
  }
}

export function predicatesOf(where: Where | undefined): Predicate[] {
  if (where === undefined) return [];
  const predicates: Predicate[] = [];
  for (const [field, condition] of Object.entries(where)) {
    const path = parsePath(field);
    if (isScalar(condition)) {
      predicates.push(predicate(path, 'eq', condition));
      continue;
    }
    if (typeof condition !== 'object' || Array.isArray(condition)) {
      throw new InvalidQueryError(`${field}: expected a scalar or an operator object`);
    }
    const entries = Object.entries(condition).filter(([, value]) => value !== undefined);
    if (entries.length === 0) throw new InvalidQueryError(`${field}: no operator given`);
    for (const [op, value] of entries) predicates.push(predicate(path, op, value));
  }
  return predicates;
}

export function sortKeysOf(orderBy: readonly SortKey[] | undefined): NormalizedSortKey[] {
  return (orderBy ?? []).map((key) => {
    const direction = key.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') throw new InvalidQueryError(`${key.field}: direction must be asc or desc`);
    return { path: parsePath(key.field), direction };
  });
}

/** The direction a find breaks its ties on the document id in: its first sort key's (see FindQuery.orderBy). */
export function tieDirection(keys: readonly NormalizedSortKey[]): SortDirection {
  return keys[0]?.direction ?? 'asc';
}

export interface NormalizedKeyset {
  /** Absent: ordered by id only. */
  readonly key?: NormalizedSortKey;
  readonly value: Comparable | null;
  readonly id: string;
}

export function keysetOf(after: Keyset | undefined, keys: readonly NormalizedSortKey[]): NormalizedKeyset | undefined {
  if (after === undefined) return undefined;
  if (keys.length > 1) throw new InvalidQueryError('after: keyset paging takes at most one sort key');
  if (typeof after.id !== 'string' || !Array.isArray(after.values) || after.values.length !== keys.length) {
    throw new InvalidQueryError(`after: needs an id and ${keys.length} value(s), one per sort key`);
  }
  const [value = null] = after.values;
  if (value !== null && !isComparable(value)) throw new InvalidQueryError('after: values must be strings, finite numbers or null');
  const [key] = keys;
  return { ...(key === undefined ? {} : { key }), value, id: after.id };
}

export interface Page {
  readonly limit: number | undefined;
  readonly offset: number;
}

export function pageOf(query: Pick<FindQuery, 'limit' | 'offset'> | undefined): Page {
  const check = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new InvalidQueryError(`${name} must be a non-negative integer, got ${value}`);
    }
  };
  check('limit', query?.limit);
  check('offset', query?.offset);
  return { limit: query?.limit, offset: query?.offset ?? 0 };
}

export interface NormalizedAggregate {
  readonly predicates: Predicate[];
  readonly groupBy: FieldPath[];
  readonly sum: FieldPath[];
}

export function aggregateOf(query: AggregateQuery): NormalizedAggregate {
  const groupBy = query.groupBy === undefined ? [] : typeof query.groupBy === 'string' ? [query.groupBy] : query.groupBy;
  return { predicates: predicatesOf(query.where), groupBy: groupBy.map(parsePath), sum: (query.sum ?? []).map(parsePath) };
}
