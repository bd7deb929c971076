import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { ALL_PROJECTIONS } from '@crm/platform';
import type { EventStore } from '@crm/shared/event-sourcing';
import type { ReadStore } from '@crm/shared/read-model';
import { type Child, poll, startApp } from './testing/child-process';

const PROJECTOR = 'apps/crm-projector/src/main.ts';
const NAMES = ALL_PROJECTIONS.map((p) => p.name);
// 1 s flaked in a CI run on a loaded machine: the live owner missed its renewals of two leases for a second and the
// standby rightly took them over (fencing keeps that safe); 3 s leaves a loaded event loop room to renew.
const TTL_MS = 3000;
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Backend {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  events(): Promise<EventStore & { close(): Promise<void> }>;
  readStore(): Promise<ReadStore>;
  tearDown(): Promise<void>;
}

function sqlite(dataDir: string): Backend {
  return {
    name: 'SQLite',
    env: {},
    events: async () => openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' }),
    readStore: async () => openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite') }),
    tearDown: async () => undefined,
  };
}

function postgres(): Backend {
  const schema = `projector_leases_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return {
    name: 'PostgreSQL',
    env: { CRM_EVENT_STORE: 'postgres', CRM_POSTGRES_URL: URL, CRM_POSTGRES_SCHEMA: schema },
    events: () => PostgresEventStore.open(URL, { schema, poolSize: 2 }),
    readStore: () => PostgresReadStore.open(URL, { schema, poolSize: 2 }),
    async tearDown() {
      const admin = new Pool({ connectionString: URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

const tookOverAll = (child: Child) => NAMES.every((name) => child.output().includes(`took over ${name} (lease epoch`));

describe.each(['sqlite', 'postgres'])('two projectors, one owner per projection (%s)', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-projector-leases-'));
  const backend = kind === 'sqlite' ? sqlite(dataDir) : postgres();
  const children: Child[] = [];
  const run = () => {
    const child = startApp(PROJECTOR, [], dataDir, { ...backend.env, CRM_LEASE_TTL_MS: String(TTL_MS) });
    children.push(child);
    return child;
  };

  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    await backend.tearDown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the standby takes every projection over within the lease bound after the owner is SIGKILLed, and carries on', async () => {
    const events = await backend.events();
    await seedEventStore(events, { events: 1500, seed: 11 });
    const first = run();
    await poll(
      () => (tookOverAll(first) ? true : undefined),
      30_000,
      () => `the first projector took nothing over:\n${first.output()}`,
    );
    const second = run();
    await poll(
      () => (second.output().includes('running ') ? true : undefined),
      30_000,
      () => `the second projector did not start:\n${second.output()}`,
    );
    const readStore = await backend.readStore();
    try {
      // Give the second a few renewal rounds: it must take nothing while the first lives.
      await new Promise((resolve) => setTimeout(resolve, 2 * TTL_MS));
      expect(second.output()).not.toContain('took over');
      const pid = `:${first.process.pid}:`;
      const leases = await readStore.listLeases();
      expect(leases.map((lease) => lease.name).sort()).toEqual([...NAMES].sort());
      expect(leases.filter((lease) => !lease.owner.includes(pid))).toEqual([]);

      first.process.kill('SIGKILL');
      const killedAt = Date.now();
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await poll(
        () => (tookOverAll(second) ? true : undefined),
        20_000,
        () => `the standby took nothing over:\n${second.output()}`,
      );
      const tookMs = Date.now() - killedAt;
      process.stderr.write(
        `${backend.name}: the standby owned all ${NAMES.length} projections ${tookMs} ms after SIGKILL (TTL ${TTL_MS} ms)\n`,
      );
      // The lease lapses within its TTL; the standby looks every third of it. The rest is a busy machine's slack.
      expect(tookMs).toBeLessThan(TTL_MS + TTL_MS / 3 + 4000);
      const after = await readStore.listLeases();
      expect(after.every((lease) => lease.owner.includes(`:${second.process.pid}:`) && lease.epoch === 2)).toBe(true);

      // And it carries on: what is appended now is applied, and every checkpoint (saved at the latest on stop) reaches it.
      const head = (await seedEventStore(events, { events: 300, seed: 12, tenantId: 'second-tenant' })).head as string;
      // Live, a projector reads new events within its poll interval; three seconds leave a busy machine room.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      second.process.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      const states = await readStore.listStates();
      expect(NAMES.filter((name) => states.find((state) => state.name === name)?.checkpoint !== head)).toEqual([]);
    } finally {
      await readStore.close();
      await events.close();
    }
  }, 90_000);
});
