import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { openSqliteReadStore, type SqliteReadStore } from '@crm/read-store/sqlite';
import { type ReadStore, tenantKey } from '@crm/shared/read-model';
import { loadOpportunityList, OPPORTUNITY_SORTS, type OpportunityListFilters } from './opportunity-list';
import { type OpenedOpportunity, pipelineOpportunities, stageKey } from './pipeline-opportunities.projection';

/**
 * Every sort of the list, in both orders, first page and keyset page: the store's plan walks one index in the page's
 * whole order (the sort field, then the id it breaks ties on) and sorts nothing. Without the id in the index, the
 * deals that tie (a probability of 10%, one closing date, one stage) were read and sorted whole to give one page.
 * Plans are the planner's choice for these documents and indexes; nothing here depends on timing.
 */
const DEALS = 3_000;
const collection = pipelineOpportunities.collection;
const STATUSES = ['open', 'won', 'lost'] as const;

/** Deals whose every sort value is shared by hundreds of others. */
function deal(i: number): OpenedOpportunity {
  const opportunityId = `o${String(i).padStart(5, '0')}`;
  const status = STATUSES[i % 3] as OpenedOpportunity['status'];
  const stage = (['qualification', 'needs_analysis', 'proposal', 'negotiation'] as const)[i % 4] as OpenedOpportunity['stage'];
  const probability = ((i % 5) + 1) * 10;
  const amount = 1_000_000 * ((i % 7) + 1);
  return {
    tenantId: 'default',
    opportunityId,
    status,
    name: `deal ${i % 6}`,
    nameKey: `deal ${i % 6}`,
    accountId: `account-${i % 9}`,
    ownerId: `u${i % 4}`,
    stage,
    stageKey: stageKey({ status, stage, opportunityId }),
    probability,
    amount: { amount, currency: 'IRR' },
    weightedAmount: (amount * probability) / 100,
    weightedRest: 0,
    expectedCloseDate: `2026-0${(i % 3) + 1}-01`,
    closingDate: `2026-0${(i % 3) + 1}-01`,
    openedAt: `2025-0${(i % 4) + 1}-01T08:00:00.000Z`,
  };
}

async function seed(store: ReadStore): Promise<void> {
  await store.transaction((tx) => {
    for (let i = 0; i < DEALS; i += 1) {
      const doc = deal(i);
      tx.put(collection, tenantKey('default', doc.opportunityId), doc);
      // Another tenant's deal for every tenth: the tenant is an equality before the sort, as in the list.
      if (i % 10 === 0) tx.put(collection, tenantKey('other', doc.opportunityId), { ...doc, tenantId: 'other' });
    }
  });
  for (const fields of pipelineOpportunities.indexes ?? []) await store.ensureIndex(collection, fields);
}

/**
 * Each sort and order: alone (every status: an `in`), of one status (an equality: closingDate has an index after it,
 * the pipeline period's), and of one owner (an equality with an index of its own).
 */
const LISTS: readonly OpportunityListFilters[] = OPPORTUNITY_SORTS.flatMap((sort) =>
  (['asc', 'desc'] as const).flatMap((order) => [
    { sort, order, limit: 50 },
    { sort, order, limit: 50, status: 'open' as const },
    { sort, order, limit: 50, ownerId: 'u1' },
  ]),
);

/** Set by each store's describe: reads the list once and gives the plan of the one find it sent. */
let explain: (store: ReadStore, filters: OpportunityListFilters) => Promise<string>;

/** The plan of each list's first page and, by its cursor, of the page after it (a keyset page), labelled. */
async function plansOf(store: ReadStore): Promise<[string, string][]> {
  const plans: [string, string][] = [];
  for (const filters of LISTS) {
    const first = await loadOpportunityList(store, collection, 'default', filters);
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    plans.push([`${JSON.stringify(filters)} first page`, await explain(store, filters)]);
    plans.push([`${JSON.stringify(filters)} cursor page`, await explain(store, { ...filters, cursor: first.nextCursor as string })]);
  }
  return plans;
}

describe('opportunity list plans on SQLite: every sort walks an index in its whole order', () => {
  let dir: string;
  let store: SqliteReadStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-deal-plans-'));
    store = openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    await seed(store);
    const internals = store as unknown as { query: (collection: string, sql: string, params: unknown[]) => unknown[] };
    const query = internals.query.bind(store);
    let finds: { sql: string; params: unknown[] }[] = [];
    internals.query = (name, sql, params) => {
      if (sql.startsWith('SELECT id, position, doc') && sql.includes('ORDER BY')) finds.push({ sql, params });
      return query(name, sql, params);
    };
    explain = async (s, filters) => {
      finds = [];
      await loadOpportunityList(s, collection, 'default', filters);
      const [find] = finds;
      if (find === undefined || finds.length !== 1) throw new Error(`expected one find, saw ${finds.length}`);
      const steps = store.db.prepare(`EXPLAIN QUERY PLAN ${find.sql}`).all(...find.params) as { detail: string }[];
      return steps.map((step) => step.detail).join(' | ');
    };
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses a keyset index and no temporary b-tree, for every sort, order, status and page', async () => {
    const plans = await plansOf(store);
    expect(plans).toHaveLength(LISTS.length * 2);
    for (const [label, plan] of plans) {
      expect({ label, plan }).toEqual({ label, plan: expect.stringMatching(/USING INDEX rm_ix_[0-9a-f]+_by_tenantId_and_\S+_and_\$id/) });
      expect({ label, plan }).toEqual({ label, plan: expect.not.stringContaining('TEMP B-TREE') });
    }
  });
});

describe('opportunity list plans on PostgreSQL: every sort walks an index in its whole order', () => {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `deal_plans_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new Pool({ connectionString: url, max: 1 });
  let store: PostgresReadStore;

  beforeAll(async () => {
    store = await PostgresReadStore.open(url, { schema, poolSize: 2 });
    // Indexed after the documents are in: the store analyzes the table when an index is new, so the planner sees them.
    await seed(store);
    let finds: { text: string; values: unknown[] }[] = [];
    const query = store.pool.query.bind(store.pool) as (...args: unknown[]) => unknown;
    Object.assign(store.pool, {
      query: (...args: unknown[]) => {
        const first = args[0] as { text?: string; values?: unknown[] };
        if (typeof first === 'object' && first.text?.startsWith('SELECT id, position, doc') && first.text.includes('ORDER BY')) {
          finds.push({ text: first.text, values: first.values ?? [] });
        }
        return query(...args);
      },
    });
    explain = async (s, filters) => {
      finds = [];
      await loadOpportunityList(s, collection, 'default', filters);
      const [find] = finds;
      if (find === undefined || finds.length !== 1) throw new Error(`expected one find, saw ${finds.length}`);
      const { rows } = await admin.query<{ 'QUERY PLAN': unknown }>({ text: `EXPLAIN (FORMAT JSON) ${find.text}`, values: find.values });
      return JSON.stringify(rows[0]?.['QUERY PLAN']);
    };
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('scans a keyset index and has no Sort node, for every sort, order, status and page', async () => {
    const plans = await plansOf(store);
    expect(plans).toHaveLength(LISTS.length * 2);
    for (const [label, plan] of plans) {
      const nodes = [...plan.matchAll(/"Node Type":"([^"]+)"/g)].map((match) => match[1]);
      const indexes = [...plan.matchAll(/"Index Name":"([^"]+)"/g)].map((match) => match[1]);
      expect({ label, nodes: nodes.filter((node) => node?.includes('Sort')) }).toEqual({ label, nodes: [] });
      expect({ label, indexes }).toEqual({ label, indexes: [expect.stringMatching(/_k$/)] });
    }
  });
});
