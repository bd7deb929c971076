export * from './activity/activity.commands';
export * from './activity/activity.events';
export * from './activity/activity.state';
export * from './activity/activity.decider';
export * from './activity/recurrence';

export * from './interaction/interaction.commands';
export * from './interaction/interaction.events';
export * from './interaction/interaction.decider';
export { ACTIVITY_REFUSALS } from './activity/activity.refusals';
export { INTERACTION_REFUSALS } from './interaction/interaction.refusals';
export { ACTIVITIES_PERSON_REFERENCES, ACTIVITIES_PERSONAL_FIELDS } from './personal-data';
