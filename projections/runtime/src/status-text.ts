import type { LaneStatus, ProjectionStatus } from './projection-runner';

function lane(status: LaneStatus): string {
  const where = `${status.collection} at ${status.checkpoint ?? 'the start'}`;
  if (status.error) {
    const { type, eventId, position, streamId, message } = status.error;
    return `FAILED on ${type} (event ${eventId} of ${streamId}, position ${position}): ${message}; ${where}`;
  }
  if (status.retrying) return `retrying (attempt ${status.retrying.attempt}: ${status.retrying.message}); ${where}`;
  const lag = status.caughtUp ? 'caught up' : `behind${status.lag === undefined ? '' : ` by ~${status.lag} events`}`;
  return `${status.phase}, ${lag}; ${where}`;
}

/** One line per projection, for the CLI and logs: which projection, which event, why. */
export function describeStatus(status: ProjectionStatus): string {
  const rebuild = status.rebuild ? ` | rebuilding v${status.rebuild.version ?? '?'}: ${lane(status.rebuild)}` : '';
  return `${status.name} v${status.version ?? '?'}: ${lane(status)}${rebuild}`;
}
