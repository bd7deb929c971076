import { DomainError } from '@crm/shared/event-sourcing';
import { isBlank, type Refusal } from '@crm/shared/kernel';
import { REGARDING_TYPES, type Assignee, type Regarding, type RegardingType } from '../activity/activity.commands';
import { ACTIVITY_REFUSALS } from '../activity/activity.refusals';

/**
 * The record an activity or interaction is about, checked and stripped of anything but
 * type and id. Whether the record exists is the application's question (it reads the stream).
 */
export function validRegarding(regarding: Regarding, refusal: Refusal<string, 400>): Regarding {
  const fields: string[] = [];
  if (!(REGARDING_TYPES as readonly string[]).includes(regarding.type)) fields.push('regarding.type');
  if (typeof regarding.id !== 'string' || isBlank(regarding.id)) fields.push('regarding.id');
  if (fields.length > 0) {
    throw new DomainError(refusal, `regarding must be one of ${REGARDING_TYPES.join(', ')} with an id`, {
      fields,
    });
  }
  return { type: regarding.type as RegardingType, id: regarding.id.trim() };
}

/** Exactly one of userId / teamId: an activity is owned by one person or one team; both is as wrong as neither. */
export function validAssignee(assignee: Assignee): Assignee {
  const userId = 'userId' in assignee ? assignee.userId : undefined;
  const teamId = 'teamId' in assignee ? assignee.teamId : undefined;
  const user = typeof userId === 'string' && !isBlank(userId);
  const team = typeof teamId === 'string' && !isBlank(teamId);
  if (user && !team) return { userId: userId.trim() };
  if (team && !user) return { teamId: teamId.trim() };
  throw new DomainError(ACTIVITY_REFUSALS.INVALID_ASSIGNEE, 'assignee is exactly one of { userId } or { teamId }', {
    fields: ['assignee'],
  });
}

export function sameAssignee(a: Assignee, b: Assignee): boolean {
  if ('userId' in a) return 'userId' in b && a.userId === b.userId;
  return 'teamId' in b && a.teamId === b.teamId;
}
