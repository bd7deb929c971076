import type { BatchHandler, ReadAllOptions, ReadAllSlice, SubscribeOptions, Subscription } from './event-store';

/** Wakes waiting subscribers when an append lands; a timeout covers writers in other processes. */
export class AppendSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
    let wake: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<void>((resolve) => {
      wake = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      timer = setTimeout(wake, timeoutMs);
    });
    return { promise, cancel: wake };
  }
}

export interface PollingSource {
  readAll(options: ReadAllOptions): Promise<ReadAllSlice>;
  readonly signal: AppendSignal;
  /** How long to sleep between polls when no in-process append wakes us. */
  readonly pollIntervalMs: number;
}

/**
 * A catch-up subscription built on `readAll`: history in batches, then live.
 * Each batch is handed over only after the previous handler call settled.
 */
export function pollingSubscription(source: PollingSource, handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
  let checkpoint = options.after;
  let stopped = false;
  let cancelWait: (() => void) | undefined;
  let markCaughtUp: () => void = () => undefined;
  let failCaughtUp: (error: unknown) => void = () => undefined;
  const caughtUp = new Promise<void>((resolve, reject) => {
    markCaughtUp = resolve;
    failCaughtUp = reject;
  });
  caughtUp.catch(() => undefined);
  const batchSize = options.batchSize ?? 500;

  const run = async (): Promise<void> => {
    while (!stopped) {
      // Arm the wake-up before reading so an append between the read and the wait is not missed.
      const waiter = source.signal.wait(source.pollIntervalMs);
      cancelWait = waiter.cancel;
      const slice = await source.readAll({ after: checkpoint, maxCount: batchSize, filter: options.filter });
      const advanced = slice.checkpoint !== undefined && slice.checkpoint !== checkpoint;
      if (advanced && !stopped) {
        await handler(slice.events, slice.checkpoint as string);
        checkpoint = slice.checkpoint;
      }
      if (slice.isEnd) {
        markCaughtUp();
        if (!stopped) await waiter.promise;
      } else {
        waiter.cancel();
      }
    }
  };

  const done = run();
  // Callers that only await `caughtUp` must still learn of a failure.
  done.catch((error: unknown) => failCaughtUp(error));

  return {
    caughtUp,
    done,
    checkpoint: () => checkpoint,
    async stop() {
      stopped = true;
      cancelWait?.();
      await done.catch(() => undefined);
      // Whoever still waits to hear "caught up" must not wait forever.
      failCaughtUp(new Error('subscription stopped before it caught up'));
    },
  };
}
