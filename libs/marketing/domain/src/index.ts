export * from './marketing-list/marketing-list.commands';
export * from './marketing-list/marketing-list.events';

export * from './campaign/campaign.commands';
export * from './campaign/campaign.events';
