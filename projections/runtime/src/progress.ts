import type { Clock } from '@crm/shared/kernel';

export type ProgressPhase = 'catch-up' | 'rebuild' | 'time-travel';

export interface ProjectionProgress {
  readonly projection: string;
  readonly phase: ProgressPhase;
  /** The physical collection being written. */
  readonly collection: string;
  /** Events applied since this run started. */
  readonly eventsApplied: number;
  readonly checkpoint: string | undefined;
  readonly head: string | undefined;
  /** Events of the log (any type) between the start and the checkpoint, and the head: estimated from positions. */
  readonly doneEstimate: number | undefined;
  readonly totalEstimate: number | undefined;
  /** 0…1 from those estimates; undefined when the adapter's positions give no measure. */
  readonly fraction: number | undefined;
  readonly eventsPerSecond: number;
  readonly done: boolean;
}

/**
 * A number that grows with the log, read from an opaque position for
 * estimates only: `N` (memory, SQLite), `xid/N` (PostgreSQL), `commit:prepare`
 * (EventStoreDB, a byte offset). Never used for correctness.
 */
export function positionOrdinal(position: string | undefined): number | undefined {
  if (position === undefined) return 0;
  const match = /^(\d+)$|^\d+\/(\d+)$|^(\d+):\d+$/.exec(position);
  const digits = match?.[1] ?? match?.[2] ?? match?.[3];
  return digits === undefined ? undefined : Number(digits);
}

/** Events behind the head, estimated the same way; 0 when caught up. */
export function estimateLag(checkpoint: string | undefined, head: string | undefined): number | undefined {
  if (head === undefined) return 0;
  const from = positionOrdinal(checkpoint);
  const to = positionOrdinal(head);
  return from === undefined || to === undefined ? undefined : Math.max(0, to - from);
}

export class ProgressMeter {
  private applied = 0;
  private readonly startedAt: number;
  private readonly startOrdinal: number | undefined;

  constructor(
    private readonly base: Pick<ProjectionProgress, 'projection' | 'phase' | 'collection'>,
    start: string | undefined,
    private readonly head: string | undefined,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now().getTime();
    this.startOrdinal = positionOrdinal(start);
  }

  record(applied: number, checkpoint: string | undefined, done = false): ProjectionProgress {
    this.applied += applied;
    const seconds = Math.max(0.001, (this.clock.now().getTime() - this.startedAt) / 1000);
    const at = positionOrdinal(checkpoint);
    const end = positionOrdinal(this.head);
    const start = this.startOrdinal;
    const totalEstimate = end === undefined || start === undefined ? undefined : Math.max(0, end - start);
    const doneEstimate = at === undefined || start === undefined ? undefined : Math.max(0, at - start);
    const fraction = done
      ? 1
      : totalEstimate === undefined || doneEstimate === undefined
        ? undefined
        : totalEstimate === 0
          ? 1
          : Math.min(1, doneEstimate / totalEstimate);
    return {
      ...this.base,
      eventsApplied: this.applied,
      checkpoint,
      head: this.head,
      doneEstimate,
      totalEstimate,
      fraction,
      eventsPerSecond: this.applied / seconds,
      done,
    };
  }
}
