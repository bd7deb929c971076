export * from './survey.answers';
export * from './survey.commands';
export * from './survey.events';
export * from './survey.decider';
export * from './survey.metrics';
export { checkedAnswers } from './survey.validation';
export * from './survey.refusals';
