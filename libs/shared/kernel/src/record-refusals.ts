import { refusals } from './refusals';

/**
 * One NOT_FOUND code per kind of record, by stream category (API.md names
 * them): the same code whether the record is the one a route addresses or one
 * a body refers to, in whichever context. A reference names its field too.
 */
export const NOT_FOUND = {
  lead: refusals('LEAD', { NOT_FOUND: [404, 'No lead has this id'] }).NOT_FOUND,
  contact: refusals('CONTACT', { NOT_FOUND: [404, 'No contact has this id'] }).NOT_FOUND,
  account: refusals('ACCOUNT', { NOT_FOUND: [404, 'No account has this id'] }).NOT_FOUND,
  opportunity: refusals('OPPORTUNITY', { NOT_FOUND: [404, 'No opportunity has this id'] }).NOT_FOUND,
  quote: refusals('QUOTE', { NOT_FOUND: [404, 'No quote has this id'] }).NOT_FOUND,
  'marketing-list': refusals('LIST', { NOT_FOUND: [404, 'No marketing list has this id'] }).NOT_FOUND,
  campaign: refusals('CAMPAIGN', { NOT_FOUND: [404, 'No campaign has this id'] }).NOT_FOUND,
  activity: refusals('ACTIVITY', { NOT_FOUND: [404, 'No activity has this id'] }).NOT_FOUND,
  interaction: refusals('INTERACTION', { NOT_FOUND: [404, 'No interaction has this id'] }).NOT_FOUND,
  complaint: refusals('COMPLAINT', { NOT_FOUND: [404, 'No complaint has this id'] }).NOT_FOUND,
  feedback: refusals('FEEDBACK', { NOT_FOUND: [404, 'No feedback has this id'] }).NOT_FOUND,
  'survey-response': refusals('SURVEY', { NOT_FOUND: [404, 'No survey response has this id'] }).NOT_FOUND,
} as const;

export type RecordCategory = keyof typeof NOT_FOUND;
