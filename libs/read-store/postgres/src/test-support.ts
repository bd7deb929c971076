import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresReadStore } from './postgres-read-store';

/** Test-only: each test gets its own schema, dropped after, so suites can share one server. */
export function databaseUrl(): string {
  return process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export const uniqueSchema = (): string => `rs_test_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

export class AdminConnection {
  readonly pool = new Pool({ connectionString: databaseUrl(), max: 2 });

  async dropSchema(schema: string): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

export function openTestStore(schema = uniqueSchema()): Promise<PostgresReadStore> {
  // Small pools: other suites use the same server and its max_connections.
  return PostgresReadStore.open(databaseUrl(), { schema, poolSize: 4 });
}
