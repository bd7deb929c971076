/**
 * The schema name is interpolated into DDL and function bodies (identifiers
 * cannot be bound as parameters), so it is restricted to a plain lower-case
 * identifier; that also keeps the NOTIFY channel under PostgreSQL's 63-byte limit.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,49}$/;

export interface SchemaNames {
  readonly schema: string;
  /** `"schema"`, ready to prefix table and function names. */
  readonly quoted: string;
  /** NOTIFY channel the append functions signal on. */
  readonly channel: string;
}

export function schemaNames(schema: string): SchemaNames {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(`schema name must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`);
  }
  return { schema, quoted: `"${schema}"`, channel: `${schema}_appended` };
}
