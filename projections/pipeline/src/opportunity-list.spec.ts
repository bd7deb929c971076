import type { InMemoryReadStore } from '@crm/shared/read-model';
import { InvalidCursorError, loadOpportunityList, opportunityListQuery, type OpportunityListFilters } from './opportunity-list';
import { pipelineOpportunities } from './pipeline-opportunities.projection';
import { pipelineHistory, at, irr, opportunityOpened, recorded, storeWith } from '@crm/projections/testing';

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

  it('filters on stage, owner, amount and expected close date', async () => {
    expect(await ids({ stage: 'negotiation', sort: 'name' })).toEqual(['o3', 'o5']);
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
