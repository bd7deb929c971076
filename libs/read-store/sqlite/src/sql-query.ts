import { createHash } from 'node:crypto';
import type { FieldPath, NormalizedAggregate, NormalizedKeyset, NormalizedSortKey, Page, Predicate } from '@crm/shared/read-model';

export type Param = string | number;

export interface SqlFragment {
  readonly sql: string;
  readonly params: Param[];
}

/**
 * The filter language in SQLite SQL over JSON text. Paths are validated
 * identifiers, so they are spliced in as literals: that keeps one statement
 * per query shape and lets expression indexes on `json_extract(doc, '$.x')`
 * match. `json_type` enforces the type rules json_extract alone would blur
 * (it returns 1 for true, and the JSON text of arrays).
 */
export const extract = (path: FieldPath): string => `json_extract(doc, '$.${path.segments.join('.')}')`;
const typeOf = (path: FieldPath): string => `json_type(doc, '$.${path.segments.join('.')}')`;
const NUMBER_TYPES = `IN ('integer', 'real')`;

function typed(path: FieldPath, value: string | number): string {
  return `${typeOf(path)} ${typeof value === 'number' ? NUMBER_TYPES : `= 'text'`}`;
}

function equality(path: FieldPath, value: Predicate['value'], params: Param[]): string {
  if (value === null) return `${extract(path)} IS NULL`;
  if (typeof value === 'boolean') return `${typeOf(path)} = '${value ? 'true' : 'false'}'`;
  if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError('equality needs a scalar');
  params.push(value);
  return `(${extract(path)} = ? AND ${typed(path, value)})`;
}

const RANGE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function condition(predicate: Predicate, params: Param[]): string {
  const { path } = predicate;
  switch (predicate.op) {
    case 'eq':
      return equality(path, predicate.value, params);
    case 'ne':
      return `NOT coalesce(${equality(path, predicate.value, params)}, 0)`;
    case 'exists':
      return `${extract(path)} IS ${predicate.value ? 'NOT NULL' : 'NULL'}`;
    case 'in':
      if (predicate.value.length === 0) return '0';
      params.push(JSON.stringify(predicate.value));
      // One statement for any list length: the list travels as one JSON parameter.
      return `(${typeOf(path)} IN ('integer', 'real', 'text') AND ${extract(path)} IN (SELECT value FROM json_each(?)))`;
    default:
      params.push(predicate.value);
      return `(${extract(path)} ${RANGE[predicate.op]} ? AND ${typed(path, predicate.value)})`;
  }
}

/**
 * Whether a find should sort what its filter finds rather than walk the collection in id order. Without statistics
 * SQLite prefers the primary key, which gives id order for free, over an expression index: right for a filter that
 * matches most of a collection (one tenant's documents), ruinous for one that matches a few (a tenant and a key:
 * 45 ms instead of 0.03 ms for one account's interactions at 100k events). A find that takes every match (no sort
 * field, no page, no keyset) with equalities on two fields or more is taken for the second kind.
 */
export function sortsAfterFilter(
  predicates: readonly Predicate[],
  keys: readonly NormalizedSortKey[],
  page: Page,
  keyset: NormalizedKeyset | undefined,
): boolean {
  const keyed = predicates.filter((predicate) => predicate.op === 'eq' || predicate.op === 'in').length;
  return keyed >= 2 && keys.length === 0 && page.limit === undefined && page.offset === 0 && keyset === undefined;
}

export function whereClause(collection: string, predicates: readonly Predicate[], keyset?: NormalizedKeyset): SqlFragment {
  const params: Param[] = [collection];
  const conditions = ['collection = ?', ...predicates.map((predicate) => condition(predicate, params))];
  const after = keysetCondition(keyset, params);
  if (after !== undefined) conditions.push(after);
  return { sql: `WHERE ${conditions.join(' AND ')}`, params };
}

/**
 * Documents after the keyset in the order findSql sorts by. Written as a range
 * on the sort field (x >= v, or x <= v descending) so that the collection's
 * index on that field serves it; absent values (NULL) sort first ascending and
 * last descending, as the ORDER BY puts them.
 */
export function keysetCondition(keyset: NormalizedKeyset | undefined, params: Param[]): string | undefined {
  if (keyset === undefined) return undefined;
  const { key, value, id } = keyset;
  if (key === undefined) {
    params.push(id);
    return 'id > ?';
  }
  const x = extract(key.path);
  if (value === null) {
    params.push(id);
    return key.direction === 'asc' ? `((${x} IS NULL AND id > ?) OR ${x} IS NOT NULL)` : `(${x} IS NULL AND id > ?)`;
  }
  params.push(value, value, id);
  const after =
    key.direction === 'asc'
      ? `(${x} >= ? AND ${typed(key.path, value)} AND (${x} > ? OR id > ?))`
      : `(${x} <= ? AND ${typed(key.path, value)} AND (${x} < ? OR id > ?))`;
  return key.direction === 'asc' ? after : `(${after} OR ${x} IS NULL)`;
}

export function findSql(where: SqlFragment, keys: readonly NormalizedSortKey[], page: Page, sortAfterFilter = false): SqlFragment {
  // SQLite sorts NULL first ascending and last descending: what the language asks of absent values.
  const order = [
    ...keys.map((key) => `${extract(key.path)} ${key.direction === 'asc' ? 'ASC' : 'DESC'}`),
    sortAfterFilter ? '+id ASC' : 'id ASC',
  ];
  return {
    sql: `SELECT id, position, doc FROM rm_documents ${where.sql} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
    params: [...where.params, page.limit ?? -1, page.offset],
  };
}

export function aggregateSql(where: SqlFragment, query: NormalizedAggregate): SqlFragment {
  // `->` keeps JSON types (true stays true); nullif folds a JSON null into the absent group.
  const groups = query.groupBy.map((path, i) => `nullif(doc -> '$.${path.segments.join('.')}', 'null') AS g${i}`);
  const sums = query.sum.map((path, i) => `coalesce(sum(CASE WHEN ${typeOf(path)} ${NUMBER_TYPES} THEN ${extract(path)} END), 0) AS s${i}`);
  const columns = [...groups, 'count(*) AS n', ...sums].join(', ');
  const groupBy = groups.length === 0 ? '' : ` GROUP BY ${query.groupBy.map((_, i) => `g${i}`).join(', ')}`;
  return { sql: `SELECT ${columns} FROM rm_documents ${where.sql}${groupBy}`, params: where.params };
}

/** SQL text literal: collection names are data, so quotes are doubled rather than trusted. */
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Prefix of every index of one collection, so dropCollection finds them by name. */
export function indexPrefix(collection: string): string {
  return `rm_ix_${createHash('sha1').update(collection).digest('hex').slice(0, 16)}_`;
}

/**
 * A partial expression index over ONE collection: writes to the other
 * collections never compute it, and a rebuild's fresh collection can load
 * without any index and get them once, at the end. Queries still bind the
 * collection as a parameter: SQLite matches the bound value against the
 * index's WHERE and re-plans when it changes.
 */
export function indexSql(collection: string, fields: readonly FieldPath[]): string {
  const name = `${indexPrefix(collection)}by_${fields.map((field) => field.segments.join('__')).join('_and_')}`;
  return `CREATE INDEX IF NOT EXISTS "${name}" ON rm_documents (${fields.map(extract).join(', ')}) WHERE collection = ${literal(collection)}`;
}
