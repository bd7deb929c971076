import { ANONYMOUS, DEFAULT_TENANT, eventIdFor } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import type { CampaignChannel } from '@crm/marketing/domain';
import { contactDecider, type ContactEvent } from '@crm/sales/domain';
import { campaignStream, recordStream } from '../common/streams';
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

const NOW = '2026-03-10T06:30:00.000Z';

describe('campaign costs and responses: currency, time and unsubscribes', () => {
  let world: MarketingWorld;

  beforeEach(() => {
    world = marketingWorld(NOW);
  });

  /** A started campaign on this channel and budget currency. */
  async function campaign(channel: CampaignChannel = 'sms', currency = 'IRR'): Promise<string> {
    const list = await new CreateMarketingListHandler(world.executor).execute(
      new CreateMarketingListCommand({ name: 'مشتریان', memberType: 'contact', kind: 'static' }, world.context()),
    );
    const budget = { amount: 900_000, currency };
    const { id } = await new PlanCampaignHandler(world.executor).execute(
      new PlanCampaignCommand(
        { name: 'کمپین نوروز', goal: 'retention', channel, budget, startDate: '2026-03-15', endDate: '2026-04-05' },
        world.context(),
      ),
    );
    await new AddCampaignTargetListsHandler(world.executor).execute(
      new AddCampaignTargetListsCommand(id, { listIds: [list.id] }, world.context()),
    );
    await new StartCampaignHandler(world.executor).execute(new StartCampaignCommand(id, {}, world.context()));
    return id;
  }

  /** A contact as the sales context records it, with these consents granted at these times. */
  async function contact(...grants: (readonly [channel: 'sms' | 'email', at: string])[]): Promise<string> {
    const contactId = newId();
    const events: ContactEvent[] = [
      { type: 'ContactCreated', data: { contactId, fullName: 'مریم احمدی', nameKey: 'مریماحمدی', matchKeys: [], createdAt: NOW } },
      ...grants.map(([channel, at]): ContactEvent => ({ type: 'ContactConsentGranted', data: { contactId, channel, at } })),
    ];
    const commandId = newId();
    const metadata = (index: number) => ({
      eventId: eventIdFor(commandId, index),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: ANONYMOUS,
      tenantId: DEFAULT_TENANT,
      occurredAt: NOW,
      schemaVersion: 1,
    });
    await world.store.appendToStream(
      recordStream('contact', contactId),
      events.map((event, index) => ({ ...event, metadata: metadata(index) })),
    );
    return contactId;
  }

  const consents = async (contactId: string) => {
    const events = await world.store.readStream(recordStream('contact', contactId));
    const state = events.reduce(
      (current, event) => contactDecider.evolve(current, event as unknown as ContactEvent),
      contactDecider.initialState(),
    );
    return state.status === 'active' ? state.consents : undefined;
  };
  const respond = (campaignId: string, input: Omit<RecordCampaignResponseRequestDto, 'commandId'>, context = world.context()) =>
    new RecordCampaignResponseHandler(world.executor).execute(new RecordCampaignResponseCommand(campaignId, input, context));
  const cost = (campaignId: string, input: ConstructorParameters<typeof RecordCampaignCostCommand>[1]) =>
    new RecordCampaignCostHandler(world.executor).execute(new RecordCampaignCostCommand(campaignId, input, world.context()));

  it("records a cost without a currency in the budget's currency", async () => {
    const yen = await campaign('sms', 'JPY');
    await cost(yen, { amount: { amount: 5 } });
    expect((await world.last(campaignStream(yen)))?.data).toMatchObject({ amount: { amount: 5, currency: 'JPY' } });
    await expect(cost(yen, { amount: { amount: 5, currency: 'IRR' } })).rejects.toMatchObject({ code: 'CAMPAIGN.CURRENCY_MISMATCH' });
  });

  it('refuses a cost or a response dated in the future (beyond the clock skew), recording nothing', async () => {
    const id = await campaign();
    const person = await contact();
    const before = await world.types(campaignStream(id));
    await expect(cost(id, { amount: { amount: 5 }, incurredAt: '2199-12-31T23:00:00Z' })).rejects.toMatchObject({
      code: 'CAMPAIGN.TIME_IN_FUTURE',
      status: 400,
      details: { fields: ['incurredAt'] },
    });
    await expect(
      respond(id, { targetId: { type: 'contact', id: person }, responseType: 'unsubscribe', respondedAt: '2199-01-01T00:00:00Z' }),
    ).rejects.toMatchObject({ code: 'CAMPAIGN.TIME_IN_FUTURE', details: { fields: ['respondedAt'] } });
    expect(await world.types(campaignStream(id))).toEqual(before);
    expect(await world.types(recordStream('contact', person))).toEqual(['ContactCreated']);
    // Within the skew: a sender's clock a little ahead of ours.
    await cost(id, { amount: { amount: 5 }, incurredAt: '2026-03-10T06:34:00Z' });
  });

  it("withdraws a contact's consent for the campaign channel on unsubscribe, in the same append; a retry records nothing", async () => {
    const id = await campaign('sms');
    const person = await contact(['sms', '2026-03-01T09:00:00+03:30'], ['email', '2026-03-01T09:00:00+03:30']);
    const context = world.context();
    const reply = await respond(id, { targetId: { type: 'contact', id: person }, responseType: 'unsubscribe', channel: 'email' }, context);
    const withdrawal = (await world.store.readStream(recordStream('contact', person))).at(-1);
    expect(withdrawal).toMatchObject({
      type: 'ContactConsentWithdrawn',
      data: { contactId: person, channel: 'sms', at: NOW },
      metadata: { correlationId: context.commandId },
    });
    const response = (await world.store.readStream(campaignStream(id))).at(-1);
    expect(withdrawal?.metadata.causationId).toBe(response?.metadata.eventId);
    expect(reply).toEqual({ id, revision: response?.revision, position: withdrawal?.position, responseId: response?.data['responseId'] });
    // The email consent is another channel's: it stands.
    expect(await consents(person)).toMatchObject({ sms: { granted: false, at: NOW }, email: { granted: true } });

    world.clock.advance(60_000);
    expect(
      await respond(id, { targetId: { type: 'contact', id: person }, responseType: 'unsubscribe', channel: 'email' }, context),
    ).toEqual(reply);
    expect(await world.types(recordStream('contact', person))).toEqual([
      'ContactCreated',
      'ContactConsentGranted',
      'ContactConsentGranted',
      'ContactConsentWithdrawn',
    ]);
  });

  it('withdraws nothing for a later grant, a channel without consent, or a lead', async () => {
    const sms = await campaign('sms');
    // The unsubscribe arrives late, dated before the contact granted SMS consent again: that grant is their latest word.
    const regranted = await contact(['sms', '2026-03-09T12:00:00Z']);
    await respond(sms, { targetId: { type: 'contact', id: regranted }, responseType: 'unsubscribe', respondedAt: '2026-03-08T12:00:00Z' });
    expect(await world.types(recordStream('contact', regranted))).toEqual(['ContactCreated', 'ContactConsentGranted']);

    const web = await campaign('web');
    const person = await contact(['sms', '2026-03-01T09:00:00Z']);
    await respond(web, { targetId: { type: 'contact', id: person }, responseType: 'unsubscribe' });
    expect(await world.types(recordStream('contact', person))).toEqual(['ContactCreated', 'ContactConsentGranted']);

    const lead = await world.record('lead');
    const reply = await respond(sms, { targetId: { type: 'lead', id: lead }, responseType: 'unsubscribe' });
    expect(reply).toMatchObject({ id: sms, responseId: expect.any(String) });
    expect(await world.types(recordStream('lead', lead))).toEqual(['leadRecorded']);
  });
});
