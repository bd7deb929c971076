import { randomBytes, randomUUID } from 'node:crypto';
import { anEvent } from '@crm/shared/testing';
import { Pool } from 'pg';
import { loadConfig } from './app-config';
import { openEventStore } from './open-event-store';
import { openReadStore } from './open-read-store';

const baseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * CRM_POSTGRES_POOL_SIZE bounds every pool a process opens on PostgreSQL (real server): the connections a burst of
 * concurrent appends and reads opens, counted in pg_stat_activity by the application name the URL gives them.
 */
describe('CRM_POSTGRES_POOL_SIZE (real PostgreSQL)', () => {
  const admin = new Pool({ connectionString: baseUrl, max: 1 });
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  /** Opens both stores with `poolSize` (unset: the default), runs 40 appends and 40 reads at once, counts connections. */
  async function connectionsUnderBurst(poolSize: string | undefined): Promise<number> {
    const name = `pool_probe_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const schema = `${name}_s`;
    schemas.push(schema);
    const config = loadConfig({
      CRM_EVENT_STORE: 'postgres',
      CRM_POSTGRES_URL: `${baseUrl}?application_name=${name}`,
      CRM_POSTGRES_SCHEMA: schema,
      ...(poolSize === undefined ? {} : { CRM_POSTGRES_POOL_SIZE: poolSize }),
    });
    const events = await openEventStore(config, { CRM_KEK: randomBytes(32).toString('base64') });
    const readStore = await openReadStore(config, events);
    try {
      await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => events.appendToStream(`probe-${i}`, [anEvent('Probed', { i })])),
        ...Array.from({ length: 40 }, () => events.readAll({ maxCount: 10 })),
        ...Array.from({ length: 40 }, () => readStore.find('probe_docs', {})),
      ]);
      const { rows } = await admin.query<{ count: string }>('SELECT count(*) FROM pg_stat_activity WHERE application_name = $1', [name]);
      return Number(rows[0]?.count);
    } finally {
      await readStore.close();
      await events.close();
    }
  }

  it('keeps each pool to the size given, where the default lets a burst open more', async () => {
    // Two connections for the events, two for the read models, two for the data keys, one that LISTENs.
    const small = await connectionsUnderBurst('2');
    expect(small).toBeGreaterThanOrEqual(3);
    expect(small).toBeLessThanOrEqual(7);
    expect(await connectionsUnderBurst(undefined)).toBeGreaterThan(7);
  });

  it('refuses a size that is not a whole number from 1 to 500', () => {
    for (const size of ['0', '501', 'many', '2.5']) {
      expect(() => loadConfig({ CRM_POSTGRES_POOL_SIZE: size })).toThrow(/CRM_POSTGRES_POOL_SIZE/);
    }
    expect(loadConfig({}).postgresPoolSize).toBe(10);
  });
});
