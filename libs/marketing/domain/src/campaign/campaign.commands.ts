import type { Command } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

export const CAMPAIGN_CHANNELS = ['email', 'sms', 'phone', 'social', 'web', 'event', 'print', 'in_person', 'mixed'] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];

export const CAMPAIGN_GOALS = ['awareness', 'lead_generation', 'sales', 'retention', 'win_back', 'cross_sell', 'event'] as const;
export type CampaignGoal = (typeof CAMPAIGN_GOALS)[number];

export const RESPONSE_TYPES = ['interested', 'not_interested', 'more_information', 'purchased', 'unsubscribe', 'other'] as const;
export type CampaignResponseType = (typeof RESPONSE_TYPES)[number];

/** Who responded: a member of one of the campaign's target lists, or anyone else on file. */
export interface CampaignTarget {
  readonly type: 'lead' | 'contact' | 'account';
  readonly id: string;
}

export type PlanCampaign = Command<
  'PlanCampaign',
  {
    campaignId: string;
    name: string;
    goal: CampaignGoal;
    channel: CampaignChannel;
    budget: Money;
    /** Calendar dates (YYYY-MM-DD) or instants; endDate is not before startDate. */
    startDate: string;
    endDate: string;
    description?: string;
    ownerId?: string;
    plannedAt: string;
  }
>;

export type AddCampaignTargetLists = Command<'AddCampaignTargetLists', { campaignId: string; listIds: readonly string[]; addedAt: string }>;

export type StartCampaign = Command<'StartCampaign', { campaignId: string; startedAt: string }>;

export type RecordCampaignCost = Command<
  'RecordCampaignCost',
  { campaignId: string; costId: string; amount: Money; description?: string; incurredAt: string }
>;

export type RecordCampaignResponse = Command<
  'RecordCampaignResponse',
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

export type CompleteCampaign = Command<'CompleteCampaign', { campaignId: string; completedAt: string }>;

export type CancelCampaign = Command<'CancelCampaign', { campaignId: string; reason: string; cancelledAt: string }>;

export type CampaignCommand =
  PlanCampaign | AddCampaignTargetLists | StartCampaign | RecordCampaignCost | RecordCampaignResponse | CompleteCampaign | CancelCampaign;
