import { refusals } from '@crm/shared/kernel';

export const SURVEY_REFUSALS = refusals('SURVEY', {
  ALREADY_RECORDED: [409, 'A survey response with this id was already recorded'],
  NAME_REQUIRED: [400, 'The respondent name is blank once spacing marks are removed'],
  ANSWERS_MISMATCH: [400, 'The answers do not fit the survey type'],
  SCORE_OUT_OF_RANGE: [400, "A score is off the survey type's scale"],
  TIME_IN_FUTURE: [400, 'respondedAt is after the moment the response is recorded (beyond 5 minutes of clock skew)'],
});
