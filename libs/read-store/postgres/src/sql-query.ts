import { createHash } from 'node:crypto';
import {
  tieDirection,
  type Comparable,
  type FieldPath,
  type IndexKey,
  type NormalizedAggregate,
  type NormalizedKeyset,
  type NormalizedSortKey,
  type Page,
  type Predicate,
  type Scalar,
} from '@crm/shared/read-model';

export type Param = string | number | null | string[];

/**
 * The filter language in PostgreSQL over JSONB. Equality compares the field's
 * JSONB with a JSON scalar (`(doc #> '{a,b}') = '1'::jsonb`): exact about JSON
 * types, as containment was, and served by the collection's expression
 * indexes (see indexSql). Ranges and sorts go through typed CASE expressions,
 * so a string never compares with a number and strings compare in code-point
 * order (COLLATE "C") whatever the database collation.
 */
export class SqlBuilder {
  readonly params: Param[] = [];

  param(value: Param): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

const json = (path: FieldPath) => `(doc #> '{${path.segments.join(',')}}')`;
const text = (path: FieldPath) => `(doc #>> '{${path.segments.join(',')}}')`;
const absent = (path: FieldPath) => `(coalesce(${json(path)}, 'null'::jsonb) = 'null'::jsonb)`;
const asNumber = (path: FieldPath) => `(CASE WHEN jsonb_typeof(${json(path)}) = 'number' THEN ${text(path)}::numeric END)`;
const stringValue = (path: FieldPath) => `(CASE WHEN jsonb_typeof(${json(path)}) = 'string' THEN ${text(path)} END)`;
const asString = (path: FieldPath) => `${stringValue(path)} COLLATE "C"`;
const asBoolean = (path: FieldPath) => `(CASE WHEN jsonb_typeof(${json(path)}) = 'boolean' THEN ${text(path)}::boolean END)`;

/** NULL (not false) when the field is absent, so that a bare comparison stays indexable; `ne` folds it. */
function equality(sql: SqlBuilder, path: FieldPath, value: Scalar): string {
  return value === null ? absent(path) : `${json(path)} = ${sql.param(JSON.stringify(value))}::jsonb`;
}

const RANGE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * A string range also says that the field is no number, which its being a
 * string implies: the typed index (indexSql) holds the number before the
 * string, so only then is the range one stretch of it rather than a scan of
 * every entry after the equalities. A range left to the rows (`unindexed`,
 * rangesLeftToRows) is written so that no index expression matches it (`+ 0`,
 * `|| ''`: the same values, NULL kept) and the planner walks the served field.
 */
function range(sql: SqlBuilder, path: FieldPath, op: keyof typeof RANGE, value: Comparable, unindexed = false): string {
  if (unindexed) {
    return typeof value === 'number'
      ? `(${asNumber(path)} + 0) ${RANGE[op]} ${sql.param(String(value))}::numeric`
      : `(${stringValue(path)} || '') COLLATE "C" ${RANGE[op]} ${sql.param(value)}::text`;
  }
  return typeof value === 'number'
    ? `${asNumber(path)} ${RANGE[op]} ${sql.param(String(value))}::numeric`
    : `(${asNumber(path)} IS NULL AND ${asString(path)} ${RANGE[op]} ${sql.param(value)}::text)`;
}

/** Lists up to this long are spelled out as one parameter per value; longer ones are one array parameter. */
export const LISTED_VALUES = 64;

/**
 * `expression` is one of `values` (as `type`): an index condition and a plain filter, never a join. A short list is
 * one parameter per value, its length rounded up to a power of two by repeating its last value (membership is
 * unchanged), so a statement has a handful of shapes and PostgreSQL prices a generic plan of each as it prices a plan
 * for the values: after five executions it keeps the generic plan instead of planning every execution again. With
 * one array parameter (`= ANY ($n)`), as a list longer than LISTED_VALUES still is, a generic plan is priced for an
 * array of unknown length, above the plans for the values, so every execution was planned (1–5 ms with the table's
 * many partial indexes, for 0.1–0.3 ms of execution).
 */
export function oneOf(sql: SqlBuilder, expression: string, values: readonly string[], type: 'jsonb' | 'text'): string {
  if (values.length === 0) return 'FALSE';
  if (values.length > LISTED_VALUES) return `${expression} = ANY (${sql.param([...values])}::${type}[])`;
  let length = 1;
  while (length < values.length) length *= 2;
  const last = values.at(-1) as string;
  const listed = Array.from({ length }, (_, i) => `${sql.param(values[i] ?? last)}::${type}`);
  return `${expression} IN (${listed.join(', ')})`;
}

function condition(sql: SqlBuilder, predicate: Predicate, unindexed = false): string {
  const { path } = predicate;
  switch (predicate.op) {
    case 'eq':
      return equality(sql, path, predicate.value);
    case 'ne':
      return `NOT coalesce(${equality(sql, path, predicate.value)}, false)`;
    case 'exists':
      return predicate.value ? `NOT ${absent(path)}` : absent(path);
    case 'in':
      return oneOf(
        sql,
        json(path),
        predicate.value.map((value) => JSON.stringify(value)),
        'jsonb',
      );
    default:
      return range(sql, path, predicate.op, predicate.value, unindexed);
  }
}

/** The filter (and keyset) over a collection's own table; empty when there is none. */
export function whereClause(
  sql: SqlBuilder,
  predicates: readonly Predicate[],
  keyset?: NormalizedKeyset,
  unindexed: (predicate: Predicate) => boolean = () => false,
): string {
  const conditions = predicates.map((predicate) => condition(sql, predicate, unindexed(predicate)));
  const after = keysetCondition(sql, keyset);
  if (after !== undefined) conditions.push(after);
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/**
 * Documents after the keyset in the order orderByClause sorts by: the typed
 * expression of the cursor value's type, then the id in code-point order (in
 * the key's direction); absent values sort first ascending and last descending.
 */
export function keysetCondition(sql: SqlBuilder, keyset: NormalizedKeyset | undefined): string | undefined {
  if (keyset === undefined) return undefined;
  const { key, value, id } = keyset;
  // Ties break on the id in the key's direction (tieDirection): descending is ascending reversed.
  const idAfter = () => `id COLLATE "C" ${key?.direction === 'desc' ? '<' : '>'} ${sql.param(id)}`;
  if (key === undefined) return idAfter();
  const { path } = key;
  if (value === null) {
    return key.direction === 'asc' ? `((${absent(path)} AND ${idAfter()}) OR NOT ${absent(path)})` : `(${absent(path)} AND ${idAfter()})`;
  }
  const x = typeof value === 'number' ? asNumber(path) : asString(path);
  const v = typeof value === 'number' ? `${sql.param(String(value))}::numeric` : `${sql.param(value)}::text`;
  const [outer, strict] = key.direction === 'asc' ? ['>=', '>'] : ['<=', '<'];
  const after = `(${x} ${outer} ${v} AND (${x} ${strict} ${v} OR ${idAfter()}))`;
  return key.direction === 'asc' ? after : `(${after} OR ${absent(path)})`;
}

const hash = (text: string, length: number) => createHash('sha1').update(text).digest('hex').slice(0, length);

const PLAIN_COLLECTION = /^[a-z0-9_]{1,59}$/;

/**
 * A collection's own table (as the SQLite read store has): `rmd_<collection>` when that is a plain identifier, else
 * `rmh_<hash>` (identifiers stop at 63 bytes). Its indexes are its own: a query is planned over them alone, an index
 * build or a drop touches no other collection, and a replaced build goes as one DROP TABLE.
 */
export function tableNameOf(collection: string): string {
  return PLAIN_COLLECTION.test(collection) ? `rmd_${collection}` : `rmh_${hash(collection, 40)}`;
}

export function tableOf(schema: string, collection: string): string {
  return `${schema}.${tableNameOf(collection)}`;
}

/**
 * `COMPRESSION lz4` where the server has it (compresses documents faster than pglz). The id is in byte order
 * (`COLLATE "C"`, as every query orders and pages ids), so that the primary key serves id order and an id keyset:
 * under the database's collation it could not, and each page of a walk in id order sorted the whole collection.
 */
export function createTableSql(schema: string, collection: string, lz4: boolean): string {
  return `CREATE TABLE IF NOT EXISTS ${tableOf(schema, collection)} (id text COLLATE "C" PRIMARY KEY, position text, doc jsonb ${
    lz4 ? 'COMPRESSION lz4 ' : ''
  }NOT NULL)`;
}

/** Prefix of every index of one collection (identifiers stop at 63 bytes, hence hashes). */
export function indexPrefix(collection: string): string {
  return `rm_ix_${hash(collection, 16)}_`;
}

/**
 * The expression indexes of ONE declaration, on the collection's own table: a rebuild's fresh
 * collection loads without them and is indexed once, at the end. The first serves equality on
 * every field (equality compares the field's JSONB). The second holds the
 * same leading fields and then the last one by type, as ranges and sorts
 * compare it (asNumber, asString; absent first, as an ascending sort wants and
 * a backward scan turns into last): a range on the last field, or a page in
 * its order, after equalities on the others walks it instead of every
 * document of the tenant.
 */
export function indexSql(schema: string, collection: string, fields: readonly FieldPath[]): readonly { name: string; sql: string }[] {
  const name = `${indexPrefix(collection)}${hash(fields.map((field) => field.text).join(','), 12)}`;
  const table = tableOf(schema, collection);
  const equality = { name, sql: `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${fields.map(json).join(', ')})` };
  const last = fields.at(-1);
  if (last === undefined) return [equality];
  const typed = [...fields.slice(0, -1).map(json), `${asNumber(last)} NULLS FIRST`, `${asString(last)} NULLS FIRST`];
  return [equality, { name: `${name}_t`, sql: `CREATE INDEX IF NOT EXISTS ${name}_t ON ${table} (${typed.join(', ')})` }];
}

/**
 * The one index of a declaration that names a direction or ends with the document id (`keysetIndexes`): the leading
 * fields as equality compares them, the last field by type in the declared direction as orderByClause sorts it
 * (`ASC NULLS FIRST`, or `DESC NULLS LAST`: its number, string and boolean keys, the boolean too, since the order
 * has it), then the `id` column. Its order is a find's whole order, ties on the id included, walked forwards or
 * backwards (ties break on the id in the sort's direction), so a page of a sort whose values tie reads its own rows
 * instead of sorting the tie (an Incremental Sort over every deal at 10%).
 */
export function keyedIndexSql(schema: string, collection: string, keys: readonly IndexKey[]): { name: string; sql: string } {
  const spelled = keys.map((key) => (key.kind === 'id' ? '$id' : `${key.path.text}${key.direction === 'desc' ? ' desc' : ''}`));
  const name = `${indexPrefix(collection)}${hash(spelled.join(','), 12)}_k`;
  const fields = keys.filter((key) => key.kind === 'field');
  const last = fields.at(-1);
  const columns = keys.flatMap((key) => {
    if (key.kind === 'id') return ['id'];
    const direction = key.direction === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST';
    if (key !== last) return [`${json(key.path)} ${key.direction === 'asc' ? 'ASC' : 'DESC'}`];
    return [asNumber(key.path), asString(key.path), asBoolean(key.path)].map((expression) => `${expression} ${direction}`);
  });
  return { name, sql: `CREATE INDEX IF NOT EXISTS ${name} ON ${tableOf(schema, collection)} (${columns.join(', ')})` };
}

/** Each sort key expands to one typed key per JSON type; only the field's own type is non-null. */
export function orderByClause(keys: readonly NormalizedSortKey[]): string {
  const terms = keys.flatMap((key) => {
    const direction = key.direction === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST';
    return [asNumber(key.path), asString(key.path), asBoolean(key.path)].map((expression) => `${expression} ${direction}`);
  });
  return `ORDER BY ${[...terms, `id COLLATE "C" ${tieDirection(keys) === 'asc' ? 'ASC' : 'DESC'}`].join(', ')}`;
}

export function pageClause(sql: SqlBuilder, page: Page): string {
  return `${page.limit === undefined ? '' : `LIMIT ${sql.param(page.limit)} `}OFFSET ${sql.param(page.offset)}`;
}

export function aggregateColumns(query: NormalizedAggregate): { columns: string; groupBy: string } {
  const groups = query.groupBy.map((path, i) => `nullif(${json(path)}, 'null'::jsonb) AS g${i}`);
  const sums = query.sum.map((path, i) => `coalesce(sum(${asNumber(path)}), 0) AS s${i}`);
  const groupBy = groups.length === 0 ? '' : ` GROUP BY ${groups.map((_, i) => i + 1).join(', ')}`;
  return { columns: [...groups, 'count(*) AS n', ...sums].join(', '), groupBy };
}
