import { refusals } from '@crm/shared/kernel';

export const COMPLAINT_REFUSALS = refusals('COMPLAINT', {
  ALREADY_RECEIVED: [409, 'A complaint with this id was already received'],
  ALREADY_ACKNOWLEDGED: [409, 'The complaint was already acknowledged'],
  CLOSED: [409, 'The complaint is closed; reopen it first'],
  NOT_CLOSED: [409, 'Only a closed complaint can be reopened or rated'],
  NOT_ACKNOWLEDGED: [409, 'Acknowledge the complaint first'],
  NOT_ASSESSED: [409, 'Assess the complaint before responding'],
  NO_RESPONSE: [409, 'There is no response to communicate a decision on'],
  DECISION_NOT_COMMUNICATED: [409, 'Communicate a decision before closing, unless withdrawn'],
  ESCALATION_NOT_UPWARD: [409, 'Escalation goes only upward: local → head office → external body → legal'],
  SATISFACTION_ALREADY_RECORDED: [409, 'Satisfaction was already recorded for this closing'],
  SLA_NOT_BREACHED: [409, 'The deadline has not passed yet'],
  TEXT_REQUIRED: [400, 'A text field is blank once spacing marks are removed'],
  NAME_REQUIRED: [400, 'The complainant name is blank once spacing marks are removed'],
  SCORE_OUT_OF_RANGE: [400, 'score is not an integer from 1 to 5'],
  TIME_BEFORE_RECEIPT: [400, 'The time given is before the complaint was received'],
  TIME_IN_FUTURE: [400, 'respondedAt is after the moment the score is recorded (beyond 5 minutes of clock skew)'],
  RATED_BEFORE_CLOSING: [400, 'respondedAt is before the closing the score is about'],
});
