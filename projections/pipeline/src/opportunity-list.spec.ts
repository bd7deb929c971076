import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoReadStore } from '@crm/read-store/mongodb';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { type AnyProjection, DOCUMENT_ID, foldEvents, InMemoryReadStore, type ReadStore, sealCursor } from '@crm/shared/read-model';
import { describeWhenConfigured } from '@crm/shared/testing';
import { InvalidCursorError, loadOpportunityList, opportunityListQuery, type OpportunityListFilters } from './opportunity-list';
import { PIPELINE_STAGES, pipelineOpportunities, stageKey } from './pipeline-opportunities.projection';
import { pipelineHistory, at, irr, opportunityOpened, recorded, stageMoved, storeWith } from '@crm/projections/testing';

describe('opportunity list', () => {
  let store: InMemoryReadStore;
  const list = (filters: OpportunityListFilters) => loadOpportunityList(store, 'pipeline_opportunities', 'default', filters);
  const ids = async (filters: OpportunityListFilters) => (await list(filters)).items.map((row) => row.id);

  beforeAll(async () => {
    store = await storeWith([pipelineOpportunities], recorded(pipelineHistory));
  });

  it('pages opened deals newest first by default, with the total before paging', async () => {
    const page = await list({ limit: 2 });
    expect(page).toMatchObject({ total: 6, limit: 2, offset: 0 });
    expect(page.items).toHaveLength(2);
    expect(await ids({ status: 'open', sort: 'amount', order: 'desc' })).toEqual(['o2', 'o1', 'o5']);
    expect(await list({ status: 'open', sort: 'amount', order: 'desc', limit: 2, offset: 1 })).toMatchObject({
      items: [{ id: 'o1' }, { id: 'o5' }],
      total: 3,
    });
  });

  it('says the matching total, not the offset, when the offset is past the end (an outside probe read total 1000 for 6 deals)', async () => {
    // From the summary (status only) and counted deal by deal (a name filter): both ways, an empty page says nothing of its offset.
    for (const filters of [{}, { status: 'open' as const }, { amountMin: 0 }]) {
      expect(await list({ ...filters, offset: 1000 })).toMatchObject({ items: [], total: (await list(filters)).total, offset: 1000 });
    }
    expect((await list({ offset: 6 })).total).toBe(6);
    expect((await list({ offset: 7 })).total).toBe(6);
  });

  it('filters on stage, owner, amount and expected close date', async () => {
    // The same name, descending (the default order): the tie breaks on the id descending too.
    expect(await ids({ stage: 'negotiation', sort: 'name' })).toEqual(['o5', 'o3']);
    expect(await ids({ stage: 'negotiation', sort: 'name', order: 'asc' })).toEqual(['o3', 'o5']);
    expect(await ids({ ownerId: 'u1', status: 'won' })).toEqual(['o3']);
    expect(await ids({ currency: 'IRR', amountMin: 1_000_000, amountMax: 2_000_000, sort: 'amount', order: 'asc' })).toEqual([
      'o1',
      'o4',
      'o2',
    ]);
    expect(await ids({ expectedCloseFrom: '2026-02-01', expectedCloseTo: '2026-02-15' })).toEqual(['o2']);
  });

  it('gives every field of a row, null where the deal has none', async () => {
    const [won] = (await list({ status: 'won', ownerId: 'u1' })).items;
    expect(won).toEqual({
      id: 'o3',
      name: 'ورق فولادی',
      accountId: 'account-1',
      contactId: null,
      ownerId: 'u1',
      stage: 'negotiation',
      probability: 100,
      amount: irr(900_000),
      weightedAmount: irr(900_000),
      expectedCloseDate: '2026-03-01',
      openedAt: at(3),
      status: 'won',
      wonAt: at(13, 20),
      lostAt: null,
      lostReason: null,
      quoteId: null,
      source: null,
      campaignId: null,
      originLeadId: null,
    });
  });

  it('pages on by cursor in exactly the order of one unpaged list, for every sort and order', async () => {
    const sorts = ['openedAt', 'expectedCloseDate', 'closingDate', 'amount', 'weightedAmount', 'probability', 'name', 'stage'] as const;
    for (const sort of sorts) {
      for (const order of ['asc', 'desc'] as const) {
        const whole = await ids({ sort, order });
        expect(whole).toHaveLength(6);
        for (const limit of [1, 2, 4]) {
          const walked: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 10; page += 1) {
            const reply = await list({ sort, order, limit, ...(cursor === undefined ? {} : { cursor }) });
            expect(reply.total).toBe(6);
            walked.push(...reply.items.map((row) => row.id));
            // A cursor only where rows follow: never one leading to an empty page (6 rows by 2 gave a fourth, empty page).
            expect(reply.items.length).toBeGreaterThan(0);
            if (reply.nextCursor === null) break;
            cursor = reply.nextCursor;
          }
          expect(walked).toEqual(whole);
        }
      }
    }
  });

  it('says there is no next page once a page is not full, and refuses a cursor of another order or none of its own', async () => {
    expect((await list({ status: 'open', limit: 5 })).nextCursor).toBeNull();
    // A full page that ends the list is the last one too.
    expect(await list({ limit: 6 })).toMatchObject({ total: 6, nextCursor: null });
    expect((await list({ limit: 5 })).nextCursor).toEqual(expect.any(String));
    const first = await list({ sort: 'amount', limit: 2 });
    expect(first.nextCursor).toEqual(expect.any(String));
    await expect(list({ sort: 'name', limit: 2, cursor: first.nextCursor as string })).rejects.toThrow(InvalidCursorError);
    await expect(list({ sort: 'amount', order: 'asc', cursor: first.nextCursor as string })).rejects.toThrow(InvalidCursorError);
    await expect(list({ cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
    // One this route gave, altered by hand: another position (a well-formed one too), a value of the wrong kind or
    // none, no id, or a character more. Each was read as some other page before cursors were tagged.
    const [body, tagged] = (first.nextCursor as string).split('.') as [string, string];
    const content = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const altered = (change: Record<string, unknown>) =>
      `${Buffer.from(JSON.stringify({ ...content, ...change }), 'utf8').toString('base64url')}.${tagged}`;
    for (const change of [{ v: 500_000_000 }, { v: 'a lot' }, { v: null }, { v: Number.MAX_VALUE * 10 }, { id: '' }, { id: 7 }]) {
      await expect(list({ sort: 'amount', limit: 2, cursor: altered(change) })).rejects.toThrow(InvalidCursorError);
    }
    await expect(list({ sort: 'amount', limit: 2, cursor: `${first.nextCursor as string}x` })).rejects.toThrow(InvalidCursorError);
    await expect(list({ sort: 'amount', limit: 2, cursor: body })).rejects.toThrow(InvalidCursorError);
    expect((await list({ sort: 'amount', limit: 2, cursor: altered({}) })).items).toHaveLength(2);
  });

  it('refuses a cursor given with other filters, for another tenant, or tagged with another key; the page size may change', async () => {
    const first = await list({ sort: 'amount', limit: 2 });
    const cursor = first.nextCursor as string;
    await expect(list({ sort: 'amount', status: 'won', cursor })).rejects.toThrow(InvalidCursorError);
    await expect(loadOpportunityList(store, 'pipeline_opportunities', 'acme', { sort: 'amount', cursor })).rejects.toThrow(
      InvalidCursorError,
    );
    const key = Buffer.from('the server secret');
    const keyed = await loadOpportunityList(store, 'pipeline_opportunities', 'default', { sort: 'amount', limit: 2 }, key);
    await expect(list({ sort: 'amount', limit: 2, cursor: keyed.nextCursor as string })).rejects.toThrow(InvalidCursorError);
    const next = { sort: 'amount' as const, limit: 4, cursor: keyed.nextCursor as string };
    expect((await loadOpportunityList(store, 'pipeline_opportunities', 'default', next, key)).items.map((row) => row.id)).toEqual(
      (await ids({ sort: 'amount' })).slice(2),
    );
  });

  it('refuses a cursor sealed before ties followed the order (version 14): read now, it would skip or repeat rows of its tie', async () => {
    const key = Buffer.from('the server secret');
    const keyed = await loadOpportunityList(store, 'pipeline_opportunities', 'default', { sort: 'amount', limit: 2 }, key);
    const [body] = (keyed.nextCursor as string).split('.') as [string];
    const content = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as object;
    // As the code before sealed it: bound to the tenant, the eleven filters (none given here) and the sort's field.
    const before = sealCursor(content, JSON.stringify(['default', Array(11).fill(null), 'amount.amount']), key);
    const after = { sort: 'amount' as const, limit: 2, cursor: before };
    await expect(loadOpportunityList(store, 'pipeline_opportunities', 'default', after, key)).rejects.toThrow(InvalidCursorError);
    // The same content under today's binding is taken: only the binding differs.
    const today = { ...after, cursor: keyed.nextCursor as string };
    expect((await loadOpportunityList(store, 'pipeline_opportunities', 'default', today, key)).items).toHaveLength(2);
  });

  it('never pages more than 200 rows and leaves pending deals out', () => {
    const query = opportunityListQuery('default', { limit: 5000 });
    expect(query).toMatchObject({ limit: 200, offset: 0, orderBy: [{ field: 'openedAt', direction: 'desc' }] });
    expect(query.where).toEqual({ tenantId: 'default', status: { in: ['open', 'won', 'lost'] } });
  });

  it('counts a first page that holds every matching deal from its own rows: a commit between the two reads cannot set them apart', async () => {
    const more = await storeWith([pipelineOpportunities], recorded([...pipelineHistory, opportunityOpened('o9')]));
    // The summary read from the state before the commit, the rows from the state after (an outside probe saw 30 rows and
    // `total: 29` under load).
    const torn = new Proxy(more, {
      get: (target, name) => (name === 'getMany' ? store.getMany.bind(store) : (Reflect.get(target, name, target) as unknown)),
    });
    const page = await loadOpportunityList(torn, 'pipeline_opportunities', 'default', {});
    expect(page.items).toHaveLength(7);
    expect(page.total).toBe(7);
    // Pages that do not hold every deal take the total from the summary, as before.
    expect(await loadOpportunityList(torn, 'pipeline_opportunities', 'default', { limit: 2 })).toMatchObject({ total: 6 });
  });
});

/**
 * `sort=stage` in the pipeline's order, on every read store: the six deals of pipelineHistory and two more, o7 moved on
 * to needs_analysis and o8 a second one at qualification (a tie), so every open stage is there, won from two stages,
 * and lost. It sorted by the stage's name before (needs_analysis, negotiation, proposal, qualification).
 */
const stagedHistory = recorded([
  ...pipelineHistory,
  opportunityOpened('o7'),
  stageMoved('o7', 'qualification', 'needs_analysis', 20),
  opportunityOpened('o8'),
]);
// Open deals by stage (qualification o1 o8, needs_analysis o7, proposal o2, negotiation o5), then the won ones (o3 from
// negotiation, o6 from qualification), then the lost one (o4); within a stage by id. Descending, the same reversed.
const BY_STAGE_ASC = ['o1', 'o8', 'o7', 'o2', 'o5', 'o3', 'o6', 'o4'];
const BY_STAGE_DESC = [...BY_STAGE_ASC].reverse();

/** The projection's documents for stagedHistory in `store`, with the indexes it declares, as the runtime builds them. */
async function loadStaged(store: ReadStore): Promise<void> {
  const projection: AnyProjection = pipelineOpportunities;
  const handled = stagedHistory.filter((event) => projection.eventTypes.includes(event.type));
  const result = foldEvents(projection, new Map(), handled, (a, b) => Math.sign(Number(a) - Number(b)));
  if (result.failure) throw result.failure.error;
  await store.transaction((tx) => {
    for (const [id, record] of result.changed) if (record) tx.put(projection.collection, id, record.doc, record.position);
  });
  for (const fields of projection.indexes ?? []) await store.ensureIndex(projection.collection, fields);
}

function sortsByStage(open: () => Promise<{ store: ReadStore; dispose: () => Promise<void> }>): void {
  let opened: { store: ReadStore; dispose: () => Promise<void> } | undefined;
  const list = (filters: OpportunityListFilters) =>
    loadOpportunityList((opened as { store: ReadStore }).store, pipelineOpportunities.collection, 'default', filters);
  const ids = async (filters: OpportunityListFilters) => (await list(filters)).items.map((row) => row.id);

  beforeAll(async () => {
    opened = await open();
    await loadStaged(opened.store);
  }, 60_000);
  afterAll(async () => opened?.dispose());

  it('sorts by stage in the pipeline’s order, open stages as the domain orders them, then won, then lost', async () => {
    expect(PIPELINE_STAGES).toEqual(['qualification', 'needs_analysis', 'proposal', 'negotiation', 'won', 'lost']);
    expect(await ids({ sort: 'stage', order: 'asc' })).toEqual(BY_STAGE_ASC);
    expect(await ids({ sort: 'stage', order: 'desc' })).toEqual(BY_STAGE_DESC);
    const open = (await list({ sort: 'stage', order: 'asc', status: 'open' })).items;
    expect(open.map((row) => [row.id, row.stage])).toEqual([
      ['o1', 'qualification'],
      ['o8', 'qualification'],
      ['o7', 'needs_analysis'],
      ['o2', 'proposal'],
      ['o5', 'negotiation'],
    ]);
    expect(await ids({ sort: 'stage', order: 'desc', stage: 'qualification' })).toEqual(['o4', 'o6', 'o8', 'o1']);
  });

  it('pages on by cursor in pipeline order both ways, the deals of one stage split across pages included', async () => {
    for (const [order, whole] of [
      ['asc', BY_STAGE_ASC],
      ['desc', BY_STAGE_DESC],
    ] as const) {
      for (const limit of [1, 2, 3, 5]) {
        const walked: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page += 1) {
          const reply = await list({ sort: 'stage', order, limit, ...(cursor === undefined ? {} : { cursor }) });
          expect(reply.total).toBe(8);
          expect(reply.items.length).toBeGreaterThan(0);
          walked.push(...reply.items.map((row) => row.id));
          if (reply.nextCursor === null) break;
          cursor = reply.nextCursor;
        }
        expect(walked).toEqual(whole);
      }
    }
  });

  it('carries the place in the pipeline and the id in its cursor, and refuses one holding a stage’s name', async () => {
    const first = await list({ sort: 'stage', order: 'asc', limit: 3 });
    const [body, tagged] = (first.nextCursor as string).split('.') as [string, string];
    const content = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    // The third row, o7 at needs_analysis: second in the pipeline.
    expect(content).toMatchObject({ s: 'stage', o: 'asc', v: '01:o7', id: 'o7' });
    const altered = `${Buffer.from(JSON.stringify({ ...content, v: 'needs_analysis' }), 'utf8').toString('base64url')}.${tagged}`;
    await expect(list({ sort: 'stage', order: 'asc', limit: 3, cursor: altered })).rejects.toThrow(InvalidCursorError);
  });
}

describe('opportunity list by stage, in memory', () => {
  sortsByStage(async () => ({ store: new InMemoryReadStore(), dispose: async () => undefined }));

  it('reads the sort key from the read model, through an index of its own, one key per deal', () => {
    expect(opportunityListQuery('default', { sort: 'stage' }).orderBy).toEqual([{ field: 'stageKey', direction: 'desc' }]);
    expect(pipelineOpportunities.indexes).toContainEqual(['tenantId', 'stageKey', DOCUMENT_ID]);
    expect(stageKey({ status: 'open', stage: 'needs_analysis', opportunityId: 'o7' })).toBe('01:o7');
    expect(stageKey({ status: 'won', stage: 'qualification', opportunityId: 'o6' })).toBe('04:o6');
    expect(stageKey({ status: 'lost', stage: 'negotiation', opportunityId: 'o4' })).toBe('05:o4');
  });
});

describe('opportunity list by stage on SQLite', () => {
  sortsByStage(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-deal-list-'));
    const store = openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    return {
      store,
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('opportunity list by stage on PostgreSQL', () => {
  sortsByStage(async () => {
    const schema = `deal_list_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const store = await PostgresReadStore.open(url, { schema, poolSize: 4 });
    return {
      store,
      dispose: async () => {
        await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await store.close();
      },
    };
  });
});

describeWhenConfigured('opportunity list by stage on MongoDB', 'MONGODB_URL', (url) => {
  sortsByStage(async () => {
    const store = await MongoReadStore.connect(url, { database: `crm_deal_list_${randomUUID().replace(/-/g, '').slice(0, 16)}` });
    return {
      store,
      dispose: async () => {
        await store.db.dropDatabase();
        await store.close();
      },
    };
  });
});
