import type { AllFilter, BatchHandler, ReadAllOptions, ReadAllSlice, SubscribeOptions, Subscription } from './event-store';
import { streamCategory, type EventToAppend } from './event';

/**
 * What a commit appended, as far as a subscription's filter can tell: the categories of its streams and the
 * types of its events. A wake-up that carries it reaches only the waiters whose filter could match.
 */
export interface Appended {
  readonly categories: readonly string[];
  readonly types: readonly string[];
  /**
   * The log's head when the commit took the write lock (`before`) and as it committed (`after`): every event
   * between them is described here and nothing else lies there. A subscription that has read up to `before`
   * and matches none of it may move to `after` without reading. Absent when that cannot be said.
   */
  readonly span?: { readonly before: string; readonly after: string };
}

/** Collects what the appends of one commit (or of several, coalesced) wrote. */
export class AppendedKinds {
  private readonly categories = new Set<string>();
  private readonly types = new Set<string>();
  /** Something was appended that is not described here: every waiter must wake. */
  private unknown = false;
  private before: string | undefined;
  private after: string | undefined;
  /** Two of the spans merged were not back to back: what lies between them is not described. */
  private gap = false;

  get isEmpty(): boolean {
    return !this.unknown && this.categories.size === 0;
  }

  /** A commit starts, the log's head being `before`: what was collected before (a commit that failed) is dropped. */
  begin(before: string): void {
    this.reset();
    this.before = before;
  }

  add(streamId: string, events: readonly Pick<EventToAppend, 'type'>[]): void {
    if (events.length === 0) return;
    this.categories.add(streamCategory(streamId));
    for (const event of events) this.types.add(event.type);
  }

  /** The commit's appends are all made, the log's head being `after`. */
  end(after: string): void {
    this.after = after;
  }

  /** Adds another commit's description (`undefined`: unknown, everything wakes); spans join only back to back. */
  merge(appended: Appended | undefined): void {
    if (appended === undefined) {
      this.unknown = true;
      return;
    }
    const first = this.isEmpty && this.before === undefined && !this.gap;
    for (const category of appended.categories) this.categories.add(category);
    for (const type of appended.types) this.types.add(type);
    if (first && appended.span) {
      this.before = appended.span.before;
      this.after = appended.span.after;
    } else if (appended.span && this.after !== undefined && appended.span.before === this.after) {
      this.after = appended.span.after;
    } else {
      this.gap = true;
    }
  }

  /** The description, `undefined` when unknown; the collector starts empty again. */
  take(): Appended | undefined {
    const span =
      !this.gap && this.before !== undefined && this.after !== undefined ? { before: this.before, after: this.after } : undefined;
    const appended = this.unknown
      ? undefined
      : { categories: [...this.categories], types: [...this.types], ...(span === undefined ? {} : { span }) };
    this.reset();
    return appended;
  }

  private reset(): void {
    this.categories.clear();
    this.types.clear();
    this.unknown = false;
    this.before = undefined;
    this.after = undefined;
    this.gap = false;
  }
}

/** Whether events of `appended` could pass `filter`; an unknown append (`undefined`) could. */
export function couldMatch(filter: AllFilter | undefined, appended: Appended | undefined): boolean {
  if (!filter || !appended) return true;
  const { categories, eventTypes } = filter;
  if (categories && !categories.some((category) => appended.categories.includes(category))) return false;
  if (eventTypes && !eventTypes.some((type) => appended.types.includes(type))) return false;
  return true;
}

/** Why a wait ended: a poll (`undefined`), or a wake-up, `passed` when it was for a commit the waiter cannot match. */
export type Woken = { readonly generation: number; readonly passed?: { readonly before: string; readonly after: string } } | undefined;

interface Waiter {
  readonly wake: (woken: Woken) => void;
  /** Brings the waiter's poll forward to at most `ms` from now. */
  readonly soon: (ms: number) => void;
  readonly filter: AllFilter | undefined;
}

/**
 * How soon a subscription reads after a commit it cannot match that has no span to pass (PostgreSQL, or a
 * worker told of commits with another process's in between): soon enough for a read-your-writes wait on
 * several projections, seldom enough that a stream of commits costs it about one read per this interval.
 */
export const UNMATCHED_READ_WITHIN_MS = 50;

/**
 * Wakes waiting subscribers when an append lands; a timeout covers writers in other processes. A wake-up
 * that says what was appended reads at once only for the waiters whose filter could match it; the others are
 * told the span they may pass without reading, when it has one, else read within UNMATCHED_READ_WITHIN_MS.
 */
export class AppendSignal {
  private waiters = new Set<Waiter>();
  /** Counts wake-ups: a subscriber that did not read can tell whether one came while it was not waiting. */
  private wakeUps = 0;

  get generation(): number {
    return this.wakeUps;
  }

  notify(appended?: Appended): void {
    this.wakeUps += 1;
    const woken: Woken = { generation: this.wakeUps };
    if (appended === undefined) {
      const waiters = this.waiters;
      this.waiters = new Set();
      for (const waiter of waiters) waiter.wake(woken);
      return;
    }
    const passed: Woken = appended.span ? { generation: this.wakeUps, passed: appended.span } : undefined;
    for (const waiter of [...this.waiters]) {
      if (couldMatch(waiter.filter, appended)) waiter.wake(woken);
      else if (passed) waiter.wake(passed);
      else waiter.soon(UNMATCHED_READ_WITHIN_MS);
    }
  }

  wait(timeoutMs: number, filter?: AllFilter): { promise: Promise<Woken>; cancel: () => void } {
    let wake: (woken: Woken) => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    let due = performance.now() + timeoutMs;
    const promise = new Promise<Woken>((resolve) => {
      const waiter: Waiter = {
        filter,
        wake: (woken) => {
          if (timer) clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(woken);
        },
        soon: (ms) => {
          const at = performance.now() + ms;
          if (at >= due) return;
          due = at;
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => wake(undefined), ms);
        },
      };
      wake = waiter.wake;
      this.waiters.add(waiter);
      timer = setTimeout(() => wake(undefined), timeoutMs);
    });
    return { promise, cancel: () => wake(undefined) };
  }
}

/**
 * A store whose own commits can be watched (`onAppended`, after each commit that appended events) and whose
 * subscriptions can be woken for appends made on another connection (`wake`): the embedded store's API
 * thread tells its read-side worker this way instead of leaving it to the next poll.
 */
export interface AppendNotifications {
  onAppended(listener: (appended: Appended | undefined) => void): () => void;
  wake(appended?: Appended): void;
}

/** The store's AppendNotifications, when it has them (through any layer that passes them on). */
export function appendNotifications(store: object): AppendNotifications | undefined {
  const candidate = store as Partial<AppendNotifications>;
  return typeof candidate.onAppended === 'function' && typeof candidate.wake === 'function'
    ? (candidate as AppendNotifications)
    : undefined;
}

export interface PollingSource {
  readAll(options: ReadAllOptions): Promise<ReadAllSlice>;
  readonly signal: AppendSignal;
  /** How long to sleep between polls when no in-process append wakes us. */
  readonly pollIntervalMs: number;
  /** Orders positions: without it a subscription reads on every wake-up that concerns it or passes a span. */
  comparePositions?(a: string, b: string): number;
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

  /** Whether a wake-up for a commit this subscription cannot match lets it move past the commit unread. */
  const passes = (woken: Woken): woken is { generation: number; passed: { before: string; after: string } } => {
    const passed = woken?.passed;
    const compare = source.comparePositions;
    return (
      passed !== undefined &&
      compare !== undefined &&
      checkpoint !== undefined &&
      compare(checkpoint, passed.before) >= 0 &&
      compare(passed.after, checkpoint) > 0
    );
  };

  const run = async (): Promise<void> => {
    let read = true;
    while (!stopped) {
      // Arm the wake-up before reading so an append between the read and the wait is not missed.
      const waiter = source.signal.wait(source.pollIntervalMs, options.filter);
      cancelWait = waiter.cancel;
      if (read) {
        const slice = await source.readAll({ after: checkpoint, maxCount: batchSize, filter: options.filter });
        const advanced = slice.checkpoint !== undefined && slice.checkpoint !== checkpoint;
        if (advanced && !stopped) {
          await handler(slice.events, slice.checkpoint as string);
          checkpoint = slice.checkpoint;
        }
        if (!slice.isEnd) {
          waiter.cancel();
          continue;
        }
        markCaughtUp();
      }
      if (stopped) break;
      const woken = await waiter.promise;
      read = true;
      if (passes(woken) && !stopped) {
        // Everything up to the commit was read and none of it concerns this filter: nothing to read.
        await handler([], woken.passed.after);
        checkpoint = woken.passed.after;
        // Another wake-up came while this one was handled, before the next wait is armed: read for it.
        read = source.signal.generation !== woken.generation;
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
