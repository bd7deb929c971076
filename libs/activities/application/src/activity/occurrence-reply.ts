import type { ActivityEvent, ActivityState } from '@crm/activities/domain';
import { openDueFirst } from '@crm/activities/domain';

type Recorded<T extends ActivityEvent['type']> = Extract<ActivityEvent, { type: T }>;

/** The event of that type a command recorded (or recorded the first time, for a retry). */
export function recorded<T extends ActivityEvent['type']>(events: readonly ActivityEvent[], type: T): Recorded<T> | undefined {
  return events.find((event): event is Recorded<T> => event.type === type);
}

/**
 * The occurrence a command that recorded nothing (a reschedule to the same time) acted on:
 * the one named, else the one the decider would have picked, which has not moved since.
 */
export function occurrenceActedOn(state: ActivityState, named: number | undefined): number | undefined {
  if (named !== undefined || state.status === 'none') return named;
  return openDueFirst(state.occurrences)?.index;
}
