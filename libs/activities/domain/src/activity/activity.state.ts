import type { ActivityType, Assignee, CustomerRef, Regarding } from './activity.commands';
import type { ActivityEvent } from './activity.events';

export interface ActivityFile {
  readonly activityId: string;
  readonly activityType: ActivityType;
  readonly regarding: Regarding;
  readonly assignee: Assignee;
  /** Whose quote or complaint `regarding` is, as scheduled (ActivityScheduled.customer). */
  readonly customer?: CustomerRef;
}

export type OccurrenceStatus = 'open' | 'completed' | 'cancelled';

export interface Occurrence {
  readonly dueAt: string;
  readonly status: OccurrenceStatus;
}

/**
 * `closed` once no occurrence is open (all completed or cancelled): nothing is left to
 * do, so every further command is refused. Occurrences are a plain array (index = the
 * occurrence number) so the state survives JSON snapshots.
 */
export type ActivityState =
  | { readonly status: 'none' }
  | { readonly status: 'open'; readonly activity: ActivityFile; readonly occurrences: readonly Occurrence[] }
  | { readonly status: 'closed'; readonly activity: ActivityFile; readonly occurrences: readonly Occurrence[] };

export type ExistingActivity = Exclude<ActivityState, { status: 'none' }>;
export type OpenActivity = Extract<ActivityState, { status: 'open' }>;

/**
 * The occurrence a command acts on when it names none: the open one due first (a
 * rescheduled occurrence may have moved ahead of an earlier one), ties to the lower index.
 */
export function openDueFirst(occurrences: readonly Occurrence[]): { readonly index: number; readonly dueAt: string } | undefined {
  let first: { index: number; dueAt: string } | undefined;
  occurrences.forEach(({ status, dueAt }, index) => {
    if (status === 'open' && (first === undefined || dueAt < first.dueAt)) first = { index, dueAt };
  });
  return first;
}

export const initialActivityState = (): ActivityState => ({ status: 'none' });

function withOccurrences(activity: ActivityFile, occurrences: readonly Occurrence[]): ExistingActivity {
  const status = occurrences.some((o) => o.status === 'open') ? 'open' : 'closed';
  return { status, activity, occurrences };
}

function mark(occurrences: readonly Occurrence[], indexes: readonly number[], status: OccurrenceStatus): Occurrence[] {
  return occurrences.map((o, i) => (indexes.includes(i) ? { ...o, status } : o));
}

export function evolveActivity(state: ActivityState, event: ActivityEvent): ActivityState {
  if (event.type === 'ActivityScheduled') {
    const { activityId, activityType, regarding, assignee, occurrences, customer } = event.data;
    const activity = { activityId, activityType, regarding, assignee, ...(customer === undefined ? {} : { customer }) };
    return withOccurrences(
      activity,
      occurrences.map((dueAt) => ({ dueAt, status: 'open' })),
    );
  }
  if (state.status === 'none') return state;
  const { activity, occurrences } = state;
  switch (event.type) {
    case 'ActivityRescheduled': {
      const { occurrence, dueAt } = event.data;
      return withOccurrences(
        activity,
        occurrences.map((o, i) => (i === occurrence ? { ...o, dueAt } : o)),
      );
    }
    case 'ActivityReassigned':
      return { ...state, activity: { ...activity, assignee: event.data.to } };
    case 'ActivityCompleted':
      return withOccurrences(activity, mark(occurrences, [event.data.occurrence], 'completed'));
    case 'ActivityCancelled':
      return withOccurrences(activity, mark(occurrences, event.data.occurrences, 'cancelled'));
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
