import { refusals } from '@crm/shared/kernel';

export const ACTIVITY_REFUSALS = refusals('ACTIVITY', {
  ALREADY_EXISTS: [409, 'An activity with this id was already scheduled'],
  CLOSED: [409, 'Every occurrence of the activity is completed or cancelled'],
  OCCURRENCE_CLOSED: [409, 'The occurrence is already completed or cancelled'],
  SUBJECT_REQUIRED: [400, 'The subject is blank once spacing marks are removed'],
  OUTCOME_REQUIRED: [400, 'The outcome is blank once spacing marks are removed'],
  INVALID_TYPE: [400, 'The activity type is not one the API knows'],
  INVALID_TIME: [400, 'A time is not an ISO 8601 instant with its offset'],
  NO_CONSENT: [409, 'Marketing may address a person on this channel only with their consent for it'],
  COMPLETED_IN_FUTURE: [400, 'completedAt is after the moment the completion is recorded'],
  INVALID_REGARDING: [400, 'regarding is not { type, id } with a known type'],
  INVALID_ASSIGNEE: [400, 'assignee is not exactly one of { userId } or { teamId }'],
  INVALID_DURATION: [400, 'durationMinutes is not a whole number in range'],
  INVALID_OCCURRENCE: [400, 'occurrence is not a 0-based index'],
  UNKNOWN_OCCURRENCE: [409, 'The activity has no occurrence with this index'],
  INVALID_RECURRENCE: [400, 'The recurrence does not describe a series'],
  RECURRENCE_TOO_LONG: [400, 'The recurrence gives more occurrences than a series may have'],
});
