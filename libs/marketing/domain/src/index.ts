export * from './marketing-list/marketing-list.commands';
export * from './marketing-list/marketing-list.events';
export * from './marketing-list/marketing-list.criteria';
export * from './marketing-list/marketing-list.decider';

export * from './campaign/campaign.commands';
export * from './campaign/campaign.events';
export * from './campaign/campaign.decider';
export { CAMPAIGN_REFUSALS } from './campaign/campaign.refusals';
export { LIST_REFUSALS } from './marketing-list/marketing-list.refusals';
export { assertCampaignPeriod, assertRecordedFact } from './campaign/campaign.dates';
