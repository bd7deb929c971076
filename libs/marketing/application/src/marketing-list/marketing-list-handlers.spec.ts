import { DomainError } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import { marketingListStream } from '../common/streams';
import { marketingWorld, type MarketingWorld } from '../testing/marketing-world';
import { AddListMembersCommand } from './add-list-members/add-list-members.command';
import { AddListMembersHandler } from './add-list-members/add-list-members.handler';
import { CreateMarketingListCommand } from './create-marketing-list/create-marketing-list.command';
import { CreateMarketingListHandler } from './create-marketing-list/create-marketing-list.handler';
import type { CreateMarketingListRequestDto } from './create-marketing-list/create-marketing-list.request.dto';
import { RemoveListMembersCommand } from './remove-list-members/remove-list-members.command';
import { RemoveListMembersHandler } from './remove-list-members/remove-list-members.handler';

describe('marketing list handlers', () => {
  let world: MarketingWorld;
  let create: CreateMarketingListHandler;
  let add: AddListMembersHandler;
  let remove: RemoveListMembersHandler;

  beforeEach(() => {
    world = marketingWorld();
    create = new CreateMarketingListHandler(world.executor);
    add = new AddListMembersHandler(world.executor);
    remove = new RemoveListMembersHandler(world.executor);
  });

  const list = async (input: Partial<CreateMarketingListRequestDto> = {}): Promise<string> =>
    (
      await create.execute(
        new CreateMarketingListCommand({ name: 'مشتریان صنعت فولاد', memberType: 'account', kind: 'static', ...input }, world.context()),
      )
    ).id;

  it('creates a list stamped with the server clock, under an id derived from the command', async () => {
    const context = world.context();
    const reply = await create.execute(
      new CreateMarketingListCommand({ name: 'مشتریان صنعت فولاد', memberType: 'account', kind: 'static' }, context),
    );
    const again = await create.execute(
      new CreateMarketingListCommand({ name: 'مشتریان صنعت فولاد', memberType: 'account', kind: 'static' }, context),
    );
    expect(again).toEqual(reply);
    expect((await world.last(marketingListStream(reply.id)))?.data).toMatchObject({
      createdAt: '2026-03-10T06:30:00.000Z',
      kind: 'static',
    });
  });

  it('adds members that exist as records of the list member type', async () => {
    const listId = await list();
    const [first, second] = [await world.record('account'), await world.record('account')];
    const reply = await add.execute(new AddListMembersCommand(listId, { memberIds: [first, second, first] }, world.context()));
    expect(reply).toMatchObject({ id: listId, revision: 1 });
    expect((await world.last(marketingListStream(listId)))?.data).toMatchObject({ memberIds: [first, second], memberType: 'account' });
    expect(await remove.execute(new RemoveListMembersCommand(listId, { memberIds: [second, newId()] }, world.context()))).toMatchObject({
      revision: 2,
    });
  });

  it('refuses ids with no record of that type, naming every one, and records nothing', async () => {
    const listId = await list({ memberType: 'lead' });
    const lead = await world.record('lead');
    const contact = await world.record('contact');
    const ghost = newId();
    const refusal = add.execute(new AddListMembersCommand(listId, { memberIds: [lead, contact, ghost, ghost] }, world.context()));
    await expect(refusal).rejects.toThrow(DomainError);
    await expect(refusal).rejects.toMatchObject({
      code: 'LEAD.NOT_FOUND',
      status: 404,
      details: { fields: ['memberIds'], missingIds: [contact, ghost] },
    });
    expect(await world.types(marketingListStream(listId))).toEqual(['MarketingListCreated']);
  });

  it('checks members across many lookups, in the order given', async () => {
    const listId = await list();
    const ids = await Promise.all(Array.from({ length: 60 }, () => world.record('account')));
    const ghosts = [newId(), newId()];
    const memberIds = [...ids.slice(0, 30), ghosts[0]!, ...ids.slice(30), ghosts[1]!];
    await expect(add.execute(new AddListMembersCommand(listId, { memberIds }, world.context()))).rejects.toMatchObject({
      details: { missingIds: ghosts },
    });
    await add.execute(new AddListMembersCommand(listId, { memberIds: ids }, world.context()));
    expect((await world.last(marketingListStream(listId)))?.data).toMatchObject({ memberIds: ids });
  });

  it('leaves a dynamic list to the decider, and answers an unknown list as not found', async () => {
    const criteria = { match: 'all' as const, conditions: [{ field: 'industry', operator: 'eq' as const, value: 'فولاد' }] };
    const dynamic = await list({ kind: 'dynamic', criteria });
    await expect(add.execute(new AddListMembersCommand(dynamic, { memberIds: [newId()] }, world.context()))).rejects.toMatchObject({
      code: 'LIST.NOT_STATIC',
    });
    await expect(add.execute(new AddListMembersCommand(newId(), { memberIds: [newId()] }, world.context()))).rejects.toMatchObject({
      code: 'LIST.NOT_FOUND',
    });
  });

  it('refuses a dynamic list whose enumerated field has no such value, naming the condition, and records nothing', async () => {
    const conditions = [
      { field: 'status', operator: 'eq' as const, value: 'bogus' },
      { field: 'source', operator: 'in' as const, value: ['web', 'nope'] },
      { field: 'company', operator: 'eq' as const, value: 'هر چیزی' },
    ];
    const context = world.context();
    await expect(
      create.execute(
        new CreateMarketingListCommand(
          { name: 'سرنخ‌ها', memberType: 'lead', kind: 'dynamic', criteria: { match: 'all', conditions } },
          context,
        ),
      ),
    ).rejects.toMatchObject({
      code: 'LIST.CRITERIA_VALUE_INVALID',
      status: 400,
      details: { fields: ['criteria.conditions.0.value', 'criteria.conditions.1.value'] },
    });
    const consent = { match: 'all' as const, conditions: [{ field: 'consent', operator: 'eq' as const, value: 'whatever' }] };
    await expect(list({ memberType: 'contact', kind: 'dynamic', criteria: consent })).rejects.toMatchObject({
      code: 'LIST.CRITERIA_VALUE_INVALID',
    });
    expect(await world.store.headPosition()).toBeUndefined();
    const sms = { match: 'all' as const, conditions: [{ field: 'consent', operator: 'eq' as const, value: 'sms' }] };
    expect(await list({ memberType: 'contact', kind: 'dynamic', criteria: sms })).toEqual(expect.any(String));
  });
});
