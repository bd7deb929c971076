import type { Command } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

export const CAMPAIGN_CHANNELS = ['email', 'sms', 'phone', 'social', 'web', 'event', 'print', 'in_person', 'mixed'] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];

/**
 * The contact consent a campaign channel needs (API.md: marketing may only target contacts with consent for that
 * channel), as the sales context names its channels (ContactChannel; the projections and the application, which may
 * import it, check these values against it). Channels that do not address a contact directly (web, social, events,
 * in person, a mix) need none. An unsubscribe reply to a campaign withdraws this consent.
 */
export const CAMPAIGN_CONSENT_CHANNEL = {
  email: 'email',
  sms: 'sms',
  phone: 'phone',
  print: 'letter',
  social: null,
  web: null,
  event: null,
  in_person: null,
  mixed: null,
} as const satisfies Readonly<Record<CampaignChannel, string | null>>;

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

/** A cost's amount: without a currency, it is in the budget's currency. */
export interface CostAmount {
  readonly amount: number;
  readonly currency?: string;
}

export type RecordCampaignCost = Command<
  'RecordCampaignCost',
  {
    campaignId: string;
    costId: string;
    amount: CostAmount;
    description?: string;
    incurredAt: string;
    /** When the cost is recorded (the server's clock): incurredAt may not be later, beyond a small clock skew. */
    recordedAt: string;
  }
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
    /** When the response is recorded (the server's clock): respondedAt may not be later, beyond a small clock skew. */
    recordedAt: string;
  }
>;

export type CompleteCampaign = Command<'CompleteCampaign', { campaignId: string; completedAt: string }>;

export type CancelCampaign = Command<'CancelCampaign', { campaignId: string; reason: string; cancelledAt: string }>;

export type CampaignCommand =
  PlanCampaign | AddCampaignTargetLists | StartCampaign | RecordCampaignCost | RecordCampaignResponse | CompleteCampaign | CancelCampaign;
