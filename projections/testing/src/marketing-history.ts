import type {
  CampaignCostRecorded,
  CampaignPlanned,
  CampaignResponseRecorded,
  CampaignResponseType,
  CampaignTarget,
  ListCriteria,
  ListMemberType,
  MarketingListCreated,
  MarketingListMembersAdded,
  MarketingListMembersRemoved,
} from '@crm/marketing/domain';
import type { AccountOpened, ContactChannel, ContactConsentGranted, ContactConsentWithdrawn, ContactCreated } from '@crm/sales/domain';
import { at, irr } from './sales-history';

/** Marketing (and the sales records lists select on) as the deciders record them, varying only what a test needs. */

export const campaignPlanned = (campaignId: string, more: Partial<CampaignPlanned['data']> = {}): CampaignPlanned => ({
  type: 'CampaignPlanned',
  data: {
    campaignId,
    name: 'جشنواره نوروز',
    nameKey: 'جشنوارهنوروز',
    goal: 'lead_generation',
    channel: 'sms',
    budget: irr(5_000_000),
    startDate: '2026-01-05',
    endDate: '2026-02-05',
    plannedAt: at(2),
    ...more,
  },
});

export const targetListsAdded = (campaignId: string, ...listIds: string[]) =>
  ({ type: 'CampaignTargetListsAdded', data: { campaignId, listIds, addedAt: at(3) } }) as const;

export const campaignStarted = (campaignId: string) => ({ type: 'CampaignStarted', data: { campaignId, startedAt: at(5) } }) as const;

export const costRecorded = (campaignId: string, costId: string, amount: number, currency = 'IRR'): CampaignCostRecorded => ({
  type: 'CampaignCostRecorded',
  data: { campaignId, costId, amount: { amount, currency }, description: 'ارسال پیامک', incurredAt: at(6) },
});

export const responseRecorded = (
  campaignId: string,
  responseId: string,
  targetId: CampaignTarget,
  responseType: CampaignResponseType = 'interested',
): CampaignResponseRecorded => ({
  type: 'CampaignResponseRecorded',
  data: { campaignId, responseId, targetId, responseType, respondedAt: at(7) },
});

export const campaignCompleted = (campaignId: string) =>
  ({ type: 'CampaignCompleted', data: { campaignId, completedAt: at(30) } }) as const;

export const campaignCancelled = (campaignId: string) =>
  ({ type: 'CampaignCancelled', data: { campaignId, reason: 'بودجه قطع شد', cancelledAt: at(9) } }) as const;

export const listCreated = (listId: string, memberType: ListMemberType, criteria?: ListCriteria): MarketingListCreated => ({
  type: 'MarketingListCreated',
  data: {
    listId,
    name: `فهرست ${listId}`,
    nameKey: `فهرست${listId}`,
    memberType,
    kind: criteria ? 'dynamic' : 'static',
    ...(criteria ? { criteria } : {}),
    createdAt: at(1),
  },
});

export const membersAdded = (listId: string, memberType: ListMemberType, ...memberIds: string[]): MarketingListMembersAdded => ({
  type: 'MarketingListMembersAdded',
  data: { listId, memberType, memberIds, addedAt: at(2) },
});

export const membersRemoved = (listId: string, memberType: ListMemberType, ...memberIds: string[]): MarketingListMembersRemoved => ({
  type: 'MarketingListMembersRemoved',
  data: { listId, memberType, memberIds, removedAt: at(4) },
});

export const accountOpened = (accountId: string, more: Partial<AccountOpened['data']> = {}): AccountOpened => ({
  type: 'AccountOpened',
  data: { accountId, name: 'شرکت فولاد مبارکه', nameKey: 'شرکتفولادمبارکه', openedAt: at(1), ...more },
});

export const contactCreated = (contactId: string, more: Partial<ContactCreated['data']> = {}): ContactCreated => ({
  type: 'ContactCreated',
  data: { contactId, fullName: 'مریم احمدی', nameKey: 'مریماحمدی', matchKeys: [], createdAt: at(1), ...more },
});

export const consent = (contactId: string, channel: ContactChannel, granted = true): ContactConsentGranted | ContactConsentWithdrawn => ({
  type: granted ? 'ContactConsentGranted' : 'ContactConsentWithdrawn',
  data: { contactId, channel, at: at(2) },
});
