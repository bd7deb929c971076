import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';

/**
 * Test-only helpers: each test gets its own schema, so suites can share one
 * server in parallel. Not exported from the library's index.
 */
export function databaseUrl(): string {
  return process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export function uniqueSchema(): string {
  return `es_test_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}

/** Small pools: other suites use the same server and its max_connections. */
export const TEST_POOL_SIZE = 4;

/**
 * Other suites on the same server (this one's late-commit tests included) hold
 * transactions open for up to a second or so; every reader on the server then
 * waits for them. A generous visibility wait keeps read-your-writes
 * assertions stable; it costs nothing when no transaction is in the way.
 */
const TEST_DEFAULTS: PostgresEventStoreOptions = { poolSize: TEST_POOL_SIZE, pollIntervalMs: 100, visibilityWaitMs: 10_000 };

export async function openTestStore(options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
  return PostgresEventStore.open(databaseUrl(), { schema: uniqueSchema(), ...TEST_DEFAULTS, ...options });
}

/** A second store with its own pool on the same schema: another process, as far as the database can tell. */
export function connectAgain(store: PostgresEventStore, options: PostgresEventStoreOptions = {}): PostgresEventStore {
  return new PostgresEventStore(databaseUrl(), { schema: store.schema, ...TEST_DEFAULTS, ...options });
}

export class AdminConnection {
  readonly pool = new Pool({ connectionString: databaseUrl(), max: 2 });

  async dropSchema(schema: string): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }

  async tamper(schema: string, streamId: string, revision: number, data: Record<string, unknown>): Promise<void> {
    const { rowCount } = await this.pool.query(`UPDATE "${schema}".events SET data = $3::jsonb WHERE stream_id = $1 AND revision = $2`, [
      streamId,
      revision,
      JSON.stringify(data),
    ]);
    if (rowCount !== 1) throw new Error(`no event ${streamId}@${revision} to tamper with`);
  }

  /** Moves a stream's rows to another tenant, or changes one event's id column, behind the store's back. */
  async rewriteColumns(
    schema: string,
    streamId: string,
    change: { readonly tenantId: string } | { readonly revision: number; readonly eventId: string },
  ): Promise<void> {
    const { rowCount } =
      'tenantId' in change
        ? await this.pool.query(`UPDATE "${schema}".events SET tenant_id = $2 WHERE stream_id = $1`, [streamId, change.tenantId])
        : await this.pool.query(`UPDATE "${schema}".events SET event_id = $3 WHERE stream_id = $1 AND revision = $2`, [
            streamId,
            change.revision,
            change.eventId,
          ]);
    if (!rowCount) throw new Error(`no event of ${streamId} to rewrite`);
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
