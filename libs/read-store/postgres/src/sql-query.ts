import type { Comparable, FieldPath, NormalizedAggregate, NormalizedSortKey, Page, Predicate, Scalar } from '@crm/shared/read-model';

export type Param = string | number | null | string[];

/**
 * The filter language in PostgreSQL over JSONB. Equality is containment
 * (`doc @> '{"a":{"b":1}}'`): exact about JSON types and served by the GIN
 * index on every field. Ranges and sorts go through typed CASE expressions,
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
const asString = (path: FieldPath) => `(CASE WHEN jsonb_typeof(${json(path)}) = 'string' THEN ${text(path)} END) COLLATE "C"`;
const asBoolean = (path: FieldPath) => `(CASE WHEN jsonb_typeof(${json(path)}) = 'boolean' THEN ${text(path)}::boolean END)`;

function containing(path: FieldPath, value: Scalar): string {
  let nested: unknown = value;
  for (const segment of [...path.segments].reverse()) nested = { [segment]: nested };
  return JSON.stringify(nested);
}

function equality(sql: SqlBuilder, path: FieldPath, value: Scalar): string {
  return value === null ? absent(path) : `doc @> ${sql.param(containing(path, value))}::jsonb`;
}

const RANGE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function range(sql: SqlBuilder, path: FieldPath, op: keyof typeof RANGE, value: Comparable): string {
  return typeof value === 'number'
    ? `${asNumber(path)} ${RANGE[op]} ${sql.param(String(value))}::numeric`
    : `${asString(path)} ${RANGE[op]} ${sql.param(value)}::text`;
}

function condition(sql: SqlBuilder, predicate: Predicate): string {
  const { path } = predicate;
  switch (predicate.op) {
    case 'eq':
      return equality(sql, path, predicate.value);
    case 'ne':
      return `NOT (${equality(sql, path, predicate.value)})`;
    case 'exists':
      return predicate.value ? `NOT ${absent(path)}` : absent(path);
    case 'in':
      if (predicate.value.length === 0) return 'FALSE';
      return `${json(path)} IN (SELECT jsonb_array_elements(${sql.param(JSON.stringify(predicate.value))}::jsonb))`;
    default:
      return range(sql, path, predicate.op, predicate.value);
  }
}

export function whereClause(sql: SqlBuilder, collection: string, predicates: readonly Predicate[]): string {
  return `WHERE ${[`collection = ${sql.param(collection)}`, ...predicates.map((predicate) => condition(sql, predicate))].join(' AND ')}`;
}

/** Each sort key expands to one typed key per JSON type; only the field's own type is non-null. */
export function orderByClause(keys: readonly NormalizedSortKey[]): string {
  const terms = keys.flatMap((key) => {
    const direction = key.direction === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST';
    return [asNumber(key.path), asString(key.path), asBoolean(key.path)].map((expression) => `${expression} ${direction}`);
  });
  return `ORDER BY ${[...terms, 'id COLLATE "C" ASC'].join(', ')}`;
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
