import { refusals } from '@crm/shared/kernel';

export const INTERACTION_REFUSALS = refusals('INTERACTION', {
  ALREADY_LOGGED: [409, 'An interaction with this id was already logged'],
  SUMMARY_REQUIRED: [400, 'The summary is blank once spacing marks are removed'],
  INVALID_CHANNEL: [400, 'The channel is not one the API knows'],
  INVALID_DIRECTION: [400, 'direction is neither inbound nor outbound'],
  INVALID_DURATION: [400, 'durationSeconds is not a whole number ≥ 0'],
  INVALID_TIME: [400, 'A time is not an ISO 8601 instant with its offset'],
  INVALID_REGARDING: [400, 'regarding is not { type, id } with a known type'],
  IN_FUTURE: [400, 'occurredAt is after the moment the interaction is logged (beyond a 5-minute clock skew)'],
});
