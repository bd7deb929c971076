import { NotCaughtUpError, UnknownProjectionError } from './errors';
import type { ServingSnapshot } from './projection-runner';

/**
 * What a thread that does not run the projections knows of them: the last
 * snapshot the runner's thread sent (collections, checkpoints, phases). It
 * answers `collectionOf` and read-your-writes waits as the runner would,
 * re-checking every waiter on each new snapshot.
 */
export class ServingMirror {
  private readonly lanes = new Map<string, ServingSnapshot>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly comparePositions: (a: string, b: string) => number) {}

  update(snapshot: readonly ServingSnapshot[]): void {
    for (const lane of snapshot) this.lanes.set(lane.name, lane);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** The runner is gone: waiters give up. */
  close(): void {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter();
  }

  names(): string[] {
    return [...this.lanes.keys()];
  }

  collectionOf(name: string): string {
    return this.lane(name).collection;
  }

  snapshot(): ServingSnapshot[] {
    return [...this.lanes.values()];
  }

  /** As `ProjectionRunner.waitFor`: resolves once `target` (or every projection) has applied `position`. */
  async waitFor(target: string, position: string, timeoutMs: number): Promise<void> {
    this.comparePositions(position, position); // a malformed position is the caller's error, not a wait
    const names = target === 'all' ? this.names() : [this.lane(target).name];
    await Promise.all(names.map((name) => this.waitForOne(name, position, timeoutMs)));
  }

  private waitForOne(name: string, position: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const notYet = (reason: 'timeout' | 'failed' | 'stopped') =>
        new NotCaughtUpError(name, position, this.lanes.get(name)?.checkpoint, reason, timeoutMs);
      const settle = (outcome: true | Error) => {
        this.waiters.delete(check);
        clearTimeout(timer);
        if (outcome === true) resolve();
        else reject(outcome);
      };
      const check = () => {
        const lane = this.lanes.get(name);
        if (lane?.checkpoint !== undefined && this.comparePositions(lane.checkpoint, position) >= 0) return settle(true);
        if (lane?.phase === 'failed') return settle(notYet('failed'));
        if (this.closed) return settle(notYet('stopped'));
      };
      const timer = setTimeout(() => settle(notYet('timeout')), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private lane(name: string): ServingSnapshot {
    const lane = this.lanes.get(name);
    if (!lane) throw new UnknownProjectionError(name);
    return lane;
  }
}
