import { refusals } from '@crm/shared/kernel';

export const FEEDBACK_REFUSALS = refusals('FEEDBACK', {
  ALREADY_SUBMITTED: [409, 'Feedback with this id was already submitted'],
  ALREADY_ACKNOWLEDGED: [409, 'The feedback was already acknowledged'],
  TEXT_REQUIRED: [400, 'The text is blank once spacing marks are removed'],
  NAME_REQUIRED: [400, 'The author name is blank once spacing marks are removed'],
  TIME_BEFORE_SUBMISSION: [400, 'The time given is before the feedback was submitted'],
  TIME_IN_FUTURE: [400, 'submittedAt is after the moment the feedback is recorded (beyond 5 minutes of clock skew)'],
});
