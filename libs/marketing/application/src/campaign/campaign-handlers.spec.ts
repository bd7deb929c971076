import { newId } from '@crm/shared/kernel';
import { campaignStream, marketingListStream } from '../common/streams';
import { CreateMarketingListCommand } from '../marketing-list/create-marketing-list/create-marketing-list.command';
import { CreateMarketingListHandler } from '../marketing-list/create-marketing-list/create-marketing-list.handler';
import { marketingWorld, type MarketingWorld } from '../testing/marketing-world';
import { AddCampaignTargetListsCommand } from './add-campaign-target-lists/add-campaign-target-lists.command';
import { AddCampaignTargetListsHandler } from './add-campaign-target-lists/add-campaign-target-lists.handler';
import { PlanCampaignCommand } from './plan-campaign/plan-campaign.command';
import { PlanCampaignHandler } from './plan-campaign/plan-campaign.handler';
import { RecordCampaignCostCommand } from './record-campaign-cost/record-campaign-cost.command';
import { RecordCampaignCostHandler } from './record-campaign-cost/record-campaign-cost.handler';
import { RecordCampaignResponseCommand } from './record-campaign-response/record-campaign-response.command';
import { RecordCampaignResponseHandler } from './record-campaign-response/record-campaign-response.handler';
import type { RecordCampaignResponseRequestDto } from './record-campaign-response/record-campaign-response.request.dto';
import { StartCampaignCommand } from './start-campaign/start-campaign.command';
import { StartCampaignHandler } from './start-campaign/start-campaign.handler';

describe('campaign handlers', () => {
  let world: MarketingWorld;
  let campaignId: string;
  let listId: string;

  beforeEach(async () => {
    world = marketingWorld();
    const list = new CreateMarketingListHandler(world.executor);
    const created = await list.execute(
      new CreateMarketingListCommand({ name: 'مشتریان صنعت فولاد', memberType: 'account', kind: 'static' }, world.context()),
    );
    listId = created.id;
    const budget = { amount: 5_000_000_000, currency: 'IRR' };
    const planned = await new PlanCampaignHandler(world.executor).execute(
      new PlanCampaignCommand(
        { name: 'کمپین نوروز ۱۴۰۵', goal: 'lead_generation', channel: 'sms', budget, startDate: '2026-03-15', endDate: '2026-04-05' },
        world.context(),
      ),
    );
    campaignId = planned.id;
  });

  const target = (listIds: string[], id = campaignId) =>
    new AddCampaignTargetListsHandler(world.executor).execute(new AddCampaignTargetListsCommand(id, { listIds }, world.context()));
  const respond = (input: Omit<RecordCampaignResponseRequestDto, 'commandId'>, id = campaignId) =>
    new RecordCampaignResponseHandler(world.executor).execute(new RecordCampaignResponseCommand(id, input, world.context()));

  it('targets lists that exist, refusing the rest by id, and an unknown campaign first', async () => {
    const ghost = newId();
    await expect(target([listId, ghost, ghost])).rejects.toMatchObject({ code: 'LIST.NOT_FOUND', details: { missingIds: [ghost] } });
    await expect(target([ghost], newId())).rejects.toMatchObject({ code: 'CAMPAIGN.NOT_FOUND', status: 404 });
    expect(await target([listId, listId])).toMatchObject({ id: campaignId, revision: 1 });
    expect((await world.last(campaignStream(campaignId)))?.data).toMatchObject({ listIds: [listId] });
    expect(await world.types(marketingListStream(listId))).toEqual(['MarketingListCreated']);
  });

  it('records a cost at the time given, or now; a retried command answers with the same cost id', async () => {
    const costs = new RecordCampaignCostHandler(world.executor);
    const context = world.context();
    const first = await costs.execute(
      new RecordCampaignCostCommand(campaignId, { amount: { amount: 150_000_000, currency: 'IRR' } }, context),
    );
    world.clock.advance(60_000);
    const retried = await costs.execute(
      new RecordCampaignCostCommand(campaignId, { amount: { amount: 150_000_000, currency: 'IRR' } }, context),
    );
    expect(retried).toEqual(first);
    expect((await world.last(campaignStream(campaignId)))?.data).toEqual({
      campaignId,
      costId: first['costId'],
      amount: { amount: 150_000_000, currency: 'IRR' },
      incurredAt: '2026-03-10T06:30:00.000Z',
    });
    const late = { amount: { amount: 2_000_000, currency: 'IRR' }, description: 'چاپ بروشور', incurredAt: '2026-04-20T10:00:00+03:30' };
    world.clock.set('2026-04-25T08:00:00.000Z');
    await costs.execute(new RecordCampaignCostCommand(campaignId, late, world.context()));
    expect((await world.last(campaignStream(campaignId)))?.data).toMatchObject({ description: 'چاپ بروشور', incurredAt: late.incurredAt });
  });

  it('records a response only from a record on file, of the type named', async () => {
    await target([listId]);
    await new StartCampaignHandler(world.executor).execute(new StartCampaignCommand(campaignId, {}, world.context()));
    const lead = await world.record('lead');
    await expect(respond({ targetId: { type: 'contact', id: lead }, responseType: 'interested' })).rejects.toMatchObject({
      code: 'CONTACT.NOT_FOUND',
      status: 404,
      details: { fields: ['targetId.id'], missingIds: [lead] },
    });
    await expect(respond({ targetId: { type: 'lead', id: lead }, responseType: 'interested' }, newId())).rejects.toMatchObject({
      code: 'CAMPAIGN.NOT_FOUND',
    });
    const reply = await respond({ targetId: { type: 'lead', id: lead }, responseType: 'purchased', note: 'خرید ۲۰ تن ورق' });
    expect(reply).toMatchObject({ revision: 3, responseId: expect.any(String) });
    expect((await world.last(campaignStream(campaignId)))?.data).toEqual({
      campaignId,
      responseId: reply['responseId'],
      targetId: { type: 'lead', id: lead },
      responseType: 'purchased',
      note: 'خرید ۲۰ تن ورق',
      respondedAt: '2026-03-10T06:30:00.000Z',
    });
  });
});
