import type { Event } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';
import type { CampaignChannel, CampaignGoal, CampaignResponseType, CampaignTarget } from './campaign.commands';

export type CampaignPlanned = Event<
  'CampaignPlanned',
  {
    campaignId: string;
    name: string;
    nameKey: string;
    goal: CampaignGoal;
    channel: CampaignChannel;
    budget: Money;
    startDate: string;
    endDate: string;
    description?: string;
    ownerId?: string;
    plannedAt: string;
  }
>;

/** Only lists not already targeted. */
export type CampaignTargetListsAdded = Event<'CampaignTargetListsAdded', { campaignId: string; listIds: string[]; addedAt: string }>;

export type CampaignStarted = Event<'CampaignStarted', { campaignId: string; startedAt: string }>;

/** In the budget's currency. */
export type CampaignCostRecorded = Event<
  'CampaignCostRecorded',
  { campaignId: string; costId: string; amount: Money; description?: string; incurredAt: string }
>;

export type CampaignResponseRecorded = Event<
  'CampaignResponseRecorded',
  {
    campaignId: string;
    responseId: string;
    targetId: CampaignTarget;
    responseType: CampaignResponseType;
    channel?: CampaignChannel;
    note?: string;
    respondedAt: string;
  }
>;

export type CampaignCompleted = Event<'CampaignCompleted', { campaignId: string; completedAt: string }>;

export type CampaignCancelled = Event<'CampaignCancelled', { campaignId: string; reason: string; cancelledAt: string }>;

export type CampaignEvent =
  | CampaignPlanned
  | CampaignTargetListsAdded
  | CampaignStarted
  | CampaignCostRecorded
  | CampaignResponseRecorded
  | CampaignCompleted
  | CampaignCancelled;
