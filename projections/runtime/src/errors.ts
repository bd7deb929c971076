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
