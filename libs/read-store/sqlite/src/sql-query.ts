import { createHash } from 'node:crypto';
import {
  rangesLeftToRows,
  tieDirection,
  type FieldPath,
  type IndexKey,
  type NormalizedAggregate,
  type NormalizedKeyset,
  type NormalizedSortKey,
  type Page,
  type Predicate,
} from '@crm/shared/read-model';

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

/** The field's value; `unindexed` wraps it in SQLite's unary `+` (a no-op on the value) so no expression index serves it. */
const field = (path: FieldPath, unindexed: boolean): string => (unindexed ? `+${extract(path)}` : extract(path));

function equality(path: FieldPath, value: Predicate['value'], params: Param[], unindexed: boolean): string {
  if (value === null) return `${field(path, unindexed)} IS NULL`;
  if (typeof value === 'boolean') return `${typeOf(path)} = '${value ? 'true' : 'false'}'`;
  if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError('equality needs a scalar');
  params.push(value);
  return `(${field(path, unindexed)} = ? AND ${typed(path, value)})`;
}

const RANGE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function condition(predicate: Predicate, params: Param[], unindexed: boolean): string {
  const { path } = predicate;
  switch (predicate.op) {
    case 'eq':
      return equality(path, predicate.value, params, unindexed);
    case 'ne':
      return `NOT coalesce(${equality(path, predicate.value, params, unindexed)}, 0)`;
    case 'exists':
      return `${field(path, unindexed)} IS ${predicate.value ? 'NOT NULL' : 'NULL'}`;
    case 'in':
      if (predicate.value.length === 0) return '0';
      params.push(JSON.stringify(predicate.value));
      // One statement for any list length: the list travels as one JSON parameter.
      return `(${typeOf(path)} IN ('integer', 'real', 'text') AND ${field(path, unindexed)} IN (SELECT value FROM json_each(?)))`;
    default:
      params.push(predicate.value);
      return `(${field(path, unindexed)} ${RANGE[predicate.op]} ? AND ${typed(path, predicate.value)})`;
  }
}

/**
 * Whether a find should sort what its filter finds rather than walk the collection in id order. Without statistics
 * SQLite prefers the primary key, which gives id order for free, over an expression index: right for a filter that
 * matches most of a collection (one tenant's documents), ruinous for one that matches a few (a tenant and a key:
 * 45 ms instead of 0.03 ms for one account's interactions at 100k events). A find that takes every match (no sort
 * field, no page, no keyset) with equalities on two fields or more, or with a range on a field, is taken for the
 * second kind: a range is how a view asks for a narrow slice (a month's markers, the complaints flagged kMulti),
 * and walking the primary key for it read every document of the collection (90 ms instead of 0.1 ms for the
 * complaint KPIs' flagged rows at 100k events).
 */
export function sortsAfterFilter(
  predicates: readonly Predicate[],
  keys: readonly NormalizedSortKey[],
  page: Page,
  keyset: NormalizedKeyset | undefined,
): boolean {
  const keyed = predicates.filter((predicate) => predicate.op === 'eq' || predicate.op === 'in').length;
  const ranged = predicates.some((predicate) => predicate.op in RANGE);
  return (keyed >= 2 || ranged) && keys.length === 0 && page.limit === undefined && page.offset === 0 && keyset === undefined;
}

/** A quoted SQL identifier. */
const identifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Each collection is a table of its own: a rebuild's indexes scan only its
 * documents, dropping a replaced build is one DROP TABLE, and a write
 * maintains only its collection's indexes.
 */
export function tableOf(collection: string): string {
  return identifier(`rmd_${collection}`);
}

/** The table name as sqlite_schema spells it. */
export function tableNameOf(collection: string): string {
  return `rmd_${collection}`;
}

export function createTableSql(collection: string): string {
  return `CREATE TABLE IF NOT EXISTS ${tableOf(collection)} (id TEXT PRIMARY KEY NOT NULL, position TEXT, doc TEXT NOT NULL)`;
}

/**
 * `unindexed`: the predicates no expression index may serve, checked on the rows the chosen path walks instead (all of
 * them: a find in id order walks the primary key and stops at its page instead of sorting every match).
 */
export function whereClause(
  predicates: readonly Predicate[],
  keyset?: NormalizedKeyset,
  unindexed: boolean | ((predicate: Predicate) => boolean) = false,
): SqlFragment {
  const params: Param[] = [];
  const conditions = predicates.map((predicate) =>
    condition(predicate, params, typeof unindexed === 'function' ? unindexed(predicate) : unindexed),
  );
  const after = keysetCondition(keyset, params);
  if (after !== undefined) conditions.push(after);
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
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
    return key.direction === 'asc' ? `((${x} IS NULL AND id > ?) OR ${x} IS NOT NULL)` : `(${x} IS NULL AND id < ?)`;
  }
  params.push(value, value, id);
  // Ties break on the id in the key's direction (tieDirection): descending is ascending reversed.
  const after =
    key.direction === 'asc'
      ? `(${x} >= ? AND ${typed(key.path, value)} AND (${x} > ? OR id > ?))`
      : `(${x} <= ? AND ${typed(key.path, value)} AND (${x} < ? OR id < ?))`;
  return key.direction === 'asc' ? after : `(${after} OR ${x} IS NULL)`;
}

/**
 * The limit written into the statement, not bound: SQLite (3.47 and later) plans for a bound LIMIT's value, and so
 * prepares such a statement again every time it is bound (35 µs a find on a collection of eight indexes, more than
 * many finds). Written in, the plan is the one the bound value gave, and the statement is prepared once per shape and
 * limit (the StatementCache). Checked here as well as in pageOf, since it becomes SQL text.
 */
function limitClause(page: Page): string {
  if (page.limit === undefined) return 'LIMIT -1';
  if (!Number.isSafeInteger(page.limit) || page.limit < 0)
    throw new RangeError(`a limit must be a non-negative integer, got ${page.limit}`);
  return `LIMIT ${page.limit}`;
}

export function findSql(
  collection: string,
  where: SqlFragment,
  keys: readonly NormalizedSortKey[],
  page: Page,
  sortAfterFilter = false,
): SqlFragment {
  // SQLite sorts NULL first ascending and last descending: what the language asks of absent values.
  const tie = tieDirection(keys) === 'asc' ? 'ASC' : 'DESC';
  const order = [
    ...keys.map((key) => `${extract(key.path)} ${key.direction === 'asc' ? 'ASC' : 'DESC'}`),
    sortAfterFilter ? `+id ${tie}` : `id ${tie}`,
  ];
  return {
    sql: `SELECT id, position, doc FROM ${tableOf(collection)} ${where.sql} ORDER BY ${order.join(', ')} ${limitClause(page)} OFFSET ?`,
    params: [...where.params, page.offset],
  };
}

export function aggregateSql(collection: string, where: SqlFragment, query: NormalizedAggregate): SqlFragment {
  // `->` keeps JSON types (true stays true); nullif folds a JSON null into the absent group.
  const groups = query.groupBy.map((path, i) => `nullif(doc -> '$.${path.segments.join('.')}', 'null') AS g${i}`);
  const sums = query.sum.map((path, i) => `coalesce(sum(CASE WHEN ${typeOf(path)} ${NUMBER_TYPES} THEN ${extract(path)} END), 0) AS s${i}`);
  const columns = [...groups, 'count(*) AS n', ...sums].join(', ');
  const groupBy = groups.length === 0 ? '' : ` GROUP BY ${query.groupBy.map((_, i) => `g${i}`).join(', ')}`;
  return { sql: `SELECT ${columns} FROM ${tableOf(collection)} ${where.sql}${groupBy}`, params: where.params };
}

/** Prefix of every index of one collection, so dropCollection finds them by name. */
export function indexPrefix(collection: string): string {
  return `rm_ix_${createHash('sha1').update(collection).digest('hex').slice(0, 16)}_`;
}

/**
 * An expression index on the collection's own table: a rebuild's fresh
 * collection loads without any index and gets them once, at the end, by
 * scanning only its own documents. A field declared descending is held so, and
 * the document id (DOCUMENT_ID) is the `id` column: an index ending with it
 * serves a find's whole order in both directions (findSql breaks ties on the id
 * in the sort's direction, so a descending find walks it backwards), and a page
 * of a sort whose values tie reads its own rows, not the whole tie sorted in a
 * temporary b-tree. A declaration of plain ascending fields keeps its name.
 */
export function indexSql(collection: string, keys: readonly IndexKey[]): string {
  const part = (key: IndexKey) => (key.kind === 'id' ? '$id' : `${key.path.segments.join('__')}${key.direction === 'desc' ? '$desc' : ''}`);
  const column = (key: IndexKey) => (key.kind === 'id' ? 'id' : `${extract(key.path)}${key.direction === 'desc' ? ' DESC' : ''}`);
  const name = `${indexPrefix(collection)}by_${keys.map(part).join('_and_')}`;
  return `CREATE INDEX IF NOT EXISTS "${name}" ON ${tableOf(collection)} (${keys.map(column).join(', ')})`;
}

/**
 * A find's statement: through the expression index when it takes every match of two equalities or more
 * (`sortsAfterFilter`), along a sort field's index when it has one, or the index of the field the query names as its
 * narrowest (`through`; `rangesLeftToRows`), else in id order along the primary key.
 */
export function findQuerySql(
  collection: string,
  predicates: readonly Predicate[],
  keys: readonly NormalizedSortKey[],
  page: Page,
  keyset: NormalizedKeyset | undefined,
  through?: string,
): SqlFragment {
  const sortAfterFilter = sortsAfterFilter(predicates, keys, page, keyset);
  const unindexed = keys.length === 0 && through === undefined ? !sortAfterFilter : rangesLeftToRows(predicates, keys, through);
  return findSql(collection, whereClause(predicates, keyset, unindexed), keys, page, sortAfterFilter);
}
