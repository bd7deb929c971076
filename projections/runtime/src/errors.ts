import type { ProjectionFailure } from '@crm/shared/read-model';

export type NotCaughtUpReason = 'timeout' | 'failed' | 'stopped';

/**
 * A read asked for `minPosition` and the projection did not get there in
 * time (API.md "Queries": the HTTP layer answers 503 with Retry-After).
 */
export class NotCaughtUpError extends Error {
  readonly code = 'PROJECTION.NOT_CAUGHT_UP';

  constructor(
    readonly projection: string,
    readonly position: string,
    readonly checkpoint: string | undefined,
    readonly reason: NotCaughtUpReason,
    readonly timeoutMs: number,
  ) {
    super(
      `projection ${projection} is at ${checkpoint ?? 'the start'}, not yet at ${position}: ` +
        (reason === 'timeout'
          ? `still behind after ${timeoutMs} ms`
          : reason === 'failed'
            ? 'it is stopped by an error'
            : 'the runner stopped'),
    );
    this.name = 'NotCaughtUpError';
  }
}

/** A projection threw on an event; it stays stopped there until resumed. */
export class ProjectionFailedError extends Error {
  readonly code = 'PROJECTION.FAILED';

  constructor(
    readonly projection: string,
    readonly failure: ProjectionFailure,
  ) {
    super(
      `projection ${projection} failed on ${failure.type} (event ${failure.eventId}, position ${failure.position}): ${failure.message}`,
    );
    this.name = 'ProjectionFailedError';
  }
}

export class UnknownProjectionError extends Error {
  readonly code = 'PROJECTION.UNKNOWN';

  constructor(readonly projection: string) {
    super(`no projection named ${projection} is registered`);
    this.name = 'UnknownProjectionError';
  }
}

/**
 * A time-travel build (`rebuildAsOf`) refused its target: a collection that a projection's versioning may take (a
 * name of the form `<collection>_v<version>_<generation>`), or one in use (a serving build, a build in progress, a
 * retired build awaiting its drop, another projection's as-of build, or an existing collection nothing records as
 * this projection's as-of build). Building there would overwrite it, or be overwritten or dropped later.
 */
export class TimeTravelTargetError extends Error {
  readonly code = 'PROJECTION.TARGET_REFUSED';

  constructor(
    readonly target: string,
    reason: string,
  ) {
    super(`${target} ${reason}; choose another target`);
    this.name = 'TimeTravelTargetError';
  }
}
