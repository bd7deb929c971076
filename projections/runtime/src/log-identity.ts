import { pastHead, type EventStore } from '@crm/shared/event-sourcing';
import type { ProjectionState, SeenEvent } from '@crm/shared/read-model';

type Log = Pick<EventStore, 'comparePositions' | 'findEvent'>;

/**
 * What tells whether a build was made from another log than this one. A build's checkpoint past the log's head says
 * so (the log restored from an older backup, nothing written since); so does the last event any build folded
 * (`ProjectionState.seen`, the latest of all the read store's states) missing from the log at its position (the
 * restored log written to since, its new events at positions the builds count as done). Such a build holds what the
 * log does not and would pass over the new events: it is made again. The latest event folded by any projection is
 * checked, not each build's own: a projection folding few events would otherwise be trusted on an old one. Not seen:
 * a log restored from a backup taken after the last event any projection folded. `head` is read after the states,
 * so a build that a live process advances meanwhile is not taken for another log's.
 */
export async function builtFromAnotherLog(
  log: Log,
  states: readonly ProjectionState[],
  head: string | undefined,
): Promise<(state: ProjectionState) => boolean> {
  // Looked up once for all the builds judged against these states: the answer is the same for each.
  const gone = await latestSeenGone(log, states);
  return (state) => gone || pastHead(log, state.checkpoint, head);
}

async function latestSeenGone(log: Log, states: readonly ProjectionState[]): Promise<boolean> {
  let latest: SeenEvent | undefined;
  // Serving builds only: a time-travel build (`~as-of:`) or one put aside is not rebuilt by this check, and one made
  // from the old log would have it fire at every start.
  for (const { name, seen } of states) {
    if (seen === undefined || name.includes('~')) continue;
    try {
      if (latest === undefined || log.comparePositions(seen.position, latest.position) > 0) latest = seen;
    } catch {
      return true; // not a position of this log
    }
  }
  if (latest === undefined) return false;
  const found = await log.findEvent(latest.eventId, { tenantId: latest.tenantId });
  if (found === undefined) return true;
  try {
    return log.comparePositions(found.position, latest.position) !== 0;
  } catch {
    return true;
  }
}
