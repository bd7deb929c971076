import { CAMPAIGN_GOALS, RESPONSE_TYPES, type CampaignChannel, type ListCriteria } from '@crm/marketing/domain';
import type { Random } from './random';
import { after, dateAfter, DAY, HOUR, MARKETERS, type Scenario, type ScenarioContext } from './scenario';
import { campaign, marketingList } from './marketing-steps';
import { MILLION } from './sales-steps';
import { INDUSTRIES } from './vocabulary';

const CHANNELS: readonly CampaignChannel[] = ['sms', 'sms', 'email', 'phone', 'social', 'event', 'mixed'];
const NAMES = ['جشنواره نوروز', 'فروش ویژه پاییز', 'نمایشگاه صنعت', 'بازگشت مشتریان', 'معرفی محصول جدید', 'وبینار تخصصی'] as const;

/** Up to `count` distinct records, drawn from those on file. */
function sample(random: Random, from: readonly string[], count: number): string[] {
  const picked = new Set<string>();
  for (let i = 0; i < count * 2 && picked.size < count && from.length > 0; i += 1) picked.add(random.pick(from));
  return [...picked];
}

/** The kinds of dynamic list marketers build: by industry, by consent, by lead source or company. */
function dynamicList(random: Random): { memberType: 'account' | 'contact' | 'lead'; criteria: ListCriteria } {
  switch (random.weighted({ industry: 4, consent: 3, leads: 3 })) {
    case 'industry':
      return {
        memberType: 'account',
        criteria: {
          match: 'all',
          conditions: [
            { field: 'industry', operator: 'eq', value: random.pick(INDUSTRIES) },
            { field: 'status', operator: 'eq', value: 'active' },
          ],
        },
      };
    case 'consent':
      return {
        memberType: 'contact',
        criteria: { match: 'all', conditions: [{ field: 'consent', operator: 'in', value: ['sms', 'email'] }] },
      };
    default:
      return {
        memberType: 'lead',
        criteria: {
          match: 'any',
          conditions: [
            { field: 'source', operator: 'in', value: ['web', 'event', 'social'] },
            { field: 'company', operator: 'contains', value: 'فولاد' },
          ],
        },
      };
  }
}

/**
 * A campaign from plan to completion (or cancellation): a static list of
 * contacts on file and a dynamic list, costs, responses from its targets;
 * while it runs, leads captured with source `campaign` carry its id.
 */
export function* campaignJourney(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const marketer = random.pick(MARKETERS);
  const campaignId = ctx.id('campaign');
  const serial = ctx.serial();
  const listIds: string[] = [];
  const contacts = sample(random, ctx.people.contacts, random.int(3, 12));
  let members: string[] = [];
  if (contacts.length >= 3) {
    const listId = ctx.id('marketing-list');
    listIds.push(listId);
    const data = { listId, name: `مشتریان منتخب ${serial}`, memberType: 'contact' as const, kind: 'static' as const, ownerId: marketer.id };
    yield after(0, (createdAt) => marketingList(listId, { type: 'CreateMarketingList', data: { ...data, createdAt } }, marketer));
    yield after(random.int(5, HOUR), (addedAt) =>
      marketingList(listId, { type: 'AddListMembers', data: { listId, memberIds: contacts, addedAt } }, marketer),
    );
    members = contacts;
    if (random.chance(0.3)) {
      const removed = contacts.slice(0, 1);
      members = contacts.slice(1);
      yield after(random.int(5, HOUR), (removedAt) =>
        marketingList(listId, { type: 'RemoveListMembers', data: { listId, memberIds: removed, removedAt } }, marketer),
      );
    }
  }
  const dynamicId = ctx.id('marketing-list');
  listIds.push(dynamicId);
  const { memberType, criteria } = dynamicList(random);
  yield after(random.int(5, HOUR), (createdAt) =>
    marketingList(
      dynamicId,
      {
        type: 'CreateMarketingList',
        data: { listId: dynamicId, name: `فهرست پویا ${serial}`, memberType, kind: 'dynamic', criteria, createdAt },
      },
      marketer,
    ),
  );
  const channel = random.pick(CHANNELS);
  const goal = random.pick(CAMPAIGN_GOALS);
  const budget = { amount: random.int(20, 500) * MILLION, currency: 'IRR' };
  const days = random.int(14, 60);
  const name = `${random.pick(NAMES)} ${serial}`;
  yield after(random.int(HOUR, DAY), (plannedAt) => {
    const plan = { campaignId, name, goal, channel, budget, ownerId: marketer.id, plannedAt };
    const period = { startDate: dateAfter(plannedAt, 3), endDate: dateAfter(plannedAt, 3 + days) };
    return campaign(campaignId, { type: 'PlanCampaign', data: { ...plan, ...period } }, marketer);
  });
  yield after(random.int(10, HOUR), (addedAt) =>
    campaign(campaignId, { type: 'AddCampaignTargetLists', data: { campaignId, listIds, addedAt } }, marketer),
  );
  if (random.chance(0.1)) {
    yield after(random.int(HOUR, 2 * DAY), (cancelledAt) =>
      campaign(campaignId, { type: 'CancelCampaign', data: { campaignId, reason: 'بودجه به کمپین دیگری رسید', cancelledAt } }, marketer),
    );
    return;
  }
  yield after(3 * DAY, (startedAt) => {
    ctx.campaigns.push(campaignId);
    return campaign(campaignId, { type: 'StartCampaign', data: { campaignId, startedAt } }, marketer);
  });
  const costs = random.int(1, 4);
  for (let i = 0; i < costs; i += 1) {
    const costId = ctx.id('cost');
    const amount = { amount: Math.round((budget.amount * random.int(5, 35)) / 100), currency: 'IRR' };
    yield after(random.int(HOUR, Math.max(HOUR, (days * DAY) / (costs + 1))), (incurredAt) =>
      campaign(
        campaignId,
        {
          type: 'RecordCampaignCost',
          data: { campaignId, costId, amount, description: 'هزینه رسانه', incurredAt, recordedAt: incurredAt },
        },
        marketer,
      ),
    );
  }
  const responders = [...members, ...sample(random, ctx.people.accounts, random.int(0, 2))];
  for (const [index, id] of responders.entries()) {
    if (!random.chance(0.5)) continue;
    const responseId = ctx.id('response');
    const targetId = { type: index < members.length ? ('contact' as const) : ('account' as const), id };
    const responseType = random.pick(RESPONSE_TYPES);
    yield after(random.int(10, 3 * DAY), (respondedAt) =>
      campaign(
        campaignId,
        {
          type: 'RecordCampaignResponse',
          data: { campaignId, responseId, targetId, responseType, channel, respondedAt, recordedAt: respondedAt },
        },
        marketer,
      ),
    );
  }
  yield after(random.int(DAY, days * DAY), (completedAt) => {
    ctx.campaigns.splice(ctx.campaigns.indexOf(campaignId), 1);
    return campaign(campaignId, { type: 'CompleteCampaign', data: { campaignId, completedAt } }, marketer);
  });
}
