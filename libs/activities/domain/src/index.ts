export * from './activity/activity.commands';
export * from './activity/activity.events';

export * from './interaction/interaction.commands';
export * from './interaction/interaction.events';
