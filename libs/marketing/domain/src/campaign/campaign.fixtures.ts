import { money } from '@crm/shared/kernel';
import type { CampaignCommand, CancelCampaign, PlanCampaign, RecordCampaignCost, RecordCampaignResponse } from './campaign.commands';
import type { CampaignEvent, CampaignPlanned } from './campaign.events';

/** One Nowruz campaign's commands and events, shared by the campaign decider specs. */
export const campaignId = 'campaign-1';
export const at = '2026-03-10T10:00:00+03:30';

export const plan: PlanCampaign = {
  type: 'PlanCampaign',
  data: {
    campaignId,
    name: ' کمپین نوروز ۱۴۰۵ ',
    goal: 'lead_generation',
    channel: 'sms',
    budget: money(5_000_000_000),
    startDate: '2026-03-15',
    endDate: '2026-04-05',
    description: 'پیامک تبریک نوروز با پیشنهاد ویژه',
    ownerId: 'user-7',
    plannedAt: at,
  },
};
export const planned: CampaignPlanned = {
  type: 'CampaignPlanned',
  data: { ...plan.data, name: 'کمپین نوروز ۱۴۰۵', nameKey: 'کمپیننوروز1405', budget: { amount: 5_000_000_000, currency: 'IRR' } },
};
export const targeted: CampaignEvent = { type: 'CampaignTargetListsAdded', data: { campaignId, listIds: ['list-1'], addedAt: at } };
export const started: CampaignEvent = { type: 'CampaignStarted', data: { campaignId, startedAt: at } };
export const completed: CampaignEvent = { type: 'CampaignCompleted', data: { campaignId, completedAt: '2026-04-06T09:00:00+03:30' } };
export const cancelled: CampaignEvent = {
  type: 'CampaignCancelled',
  data: { campaignId, reason: 'تعویق به بعد از تعطیلات', cancelledAt: at },
};

export const inPlanning = [planned];
export const running = [planned, targeted, started];
export const done = [...running, completed];
export const calledOff = [planned, cancelled];

export const target = (...listIds: string[]): CampaignCommand => ({
  type: 'AddCampaignTargetLists',
  data: { campaignId, listIds, addedAt: at },
});
export const start: CampaignCommand = { type: 'StartCampaign', data: { campaignId, startedAt: at } };
export const complete: CampaignCommand = { type: 'CompleteCampaign', data: { campaignId, completedAt: '2026-04-06T09:00:00+03:30' } };
export const cancel: CancelCampaign = {
  type: 'CancelCampaign',
  data: { campaignId, reason: ' تعویق به بعد از تعطیلات ', cancelledAt: at },
};
export const cost: RecordCampaignCost = {
  type: 'RecordCampaignCost',
  data: { campaignId, costId: 'cost-1', amount: money(120_000_000), description: ' هزینه ارسال پیامک ', incurredAt: at, recordedAt: at },
};
export const costRecorded: CampaignEvent = {
  type: 'CampaignCostRecorded',
  data: { campaignId, costId: 'cost-1', amount: money(120_000_000), description: 'هزینه ارسال پیامک', incurredAt: at },
};
export const response: RecordCampaignResponse = {
  type: 'RecordCampaignResponse',
  data: {
    campaignId,
    responseId: 'response-1',
    targetId: { type: 'lead', id: 'lead-1' },
    responseType: 'interested',
    channel: 'sms',
    note: 'درخواست تماس برای پیش‌فاکتور',
    respondedAt: at,
    recordedAt: at,
  },
};
const { recordedAt: _recordedAt, ...respondedData } = response.data;
export const responded: CampaignEvent = { type: 'CampaignResponseRecorded', data: respondedData };
