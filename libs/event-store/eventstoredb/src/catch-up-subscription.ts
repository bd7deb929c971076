import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { BatchHandler, RecordedEvent, Subscription } from '@crm/shared/event-sourcing';
import { SubscriptionQueue, type Item } from './subscription-queue';

/** What the subscription needs from the store; a seam so the batching can be tested without a server. */
export interface CatchUpSource {
  /** Position of the newest visible event, read before subscribing. */
  head(): Promise<string | undefined>;
  /**
   * The driver's native subscription after `after` (exclusive), with its
   * server-side filter; `onCheckpoint` receives the driver's checkpoint events
   * (how far the server has looked, matching or not).
   */
  open(after: string | undefined, onCheckpoint: (position: string) => void): AllStreamSubscription;
  /** The event as this store shows it, or undefined when it is not in the store's view. */
  visible(resolved: AllStreamResolvedEvent): RecordedEvent | undefined;
  /** The caller's filter, exactly (the server-side one is only a coarse prefix match). */
  matches(event: RecordedEvent): boolean;
  compare(a: string, b: string): number;
  /**
   * While live and idle: the store's head, when no event the filter could let
   * through lies between `checkpoint` and it (so the checkpoint may move
   * there), else undefined.
   */
  probe(checkpoint: string | undefined): Promise<string | undefined>;
  /** Whether a failure of the driver's subscription is worth subscribing again for (a dropped connection, a leader change). */
  transient(error: unknown): boolean;
}

export interface CatchUpOptions {
  readonly after?: string;
  readonly batchSize: number;
  /** Before catching up, how long a partial batch waits for more (servers without 'caughtUp'). */
  readonly lingerMs: number;
  /** Live and idle, how often to probe whether the checkpoint may move past filtered-out events. */
  readonly probeMs: number;
  /** Subscribing again after a drop: the first delay (doubling), and how many drops in a row before giving up. */
  readonly resubscribeDelayMs: number;
  readonly resubscribeAttempts: number;
}

/**
 * The driver pushes events as fast as the server sends them; the port hands
 * them over one batch at a time and waits for the handler. In between sits a
 * queue (subscription-queue.ts) that pauses the driver when it fills.
 *
 * Checkpoints move past what the filter skipped, three ways: before catching
 * up, the driver's checkpoint events (the server scanned that far), never past
 * the head read at start; the 'caughtUp' marker (everything up to that head
 * has been seen); and, while live and idle, a probe of the store's head, so
 * that a wait for the position of an event of another category ends
 * (read-your-writes) without an event of this one. A live checkpoint is the
 * position of an event the store shows, never past its head.
 *
 * A dropped subscription (connection lost, leader change, server deadline)
 * is opened again after the last position received, and `stop()` settles
 * `caughtUp` (rejected) as well as `done`.
 */
export function catchUpSubscription(source: CatchUpSource, handler: BatchHandler, options: CatchUpOptions): Subscription {
  let checkpoint = options.after;
  let stopped = false;
  let live = false;
  let resolveCaughtUp: () => void = () => undefined;
  let rejectCaughtUp: (error: unknown) => void = () => undefined;
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve;
    rejectCaughtUp = reject;
  });
  caughtUp.catch(() => undefined);
  const markCaughtUp = () => {
    live = true;
    resolveCaughtUp();
  };
  const queue = new SubscriptionQueue(source, options);

  const run = async (): Promise<void> => {
    const head = await source.head();
    if (stopped) return;
    if (head === undefined || (checkpoint !== undefined && source.compare(checkpoint, head) >= 0)) markCaughtUp();
    queue.open(checkpoint);

    let batch: RecordedEvent[] = [];
    let at: string | undefined;
    // Fixed deadlines, not timers started again at every wake-up: under steady traffic of other categories, the
    // items the loop wakes for (live checkpoints, which it ignores) came more often than the probe's interval, so
    // the probe never ran and a live checkpoint stood still (a review of this change).
    let lingerDue: number | undefined;
    let probeDue: number | undefined;
    const later = (position: string) => (at === undefined || source.compare(position, at) > 0 ? position : at);
    const deliver = async () => {
      const events = batch;
      const reached = at as string;
      batch = [];
      at = undefined;
      lingerDue = undefined;
      if (stopped) return;
      await handler(events, reached);
      checkpoint = reached;
      if (head !== undefined && source.compare(reached, head) >= 0) markCaughtUp();
    };
    const apply = async (item: Item) => {
      if (item.kind === 'event') {
        batch.push(item.event);
        at = item.event.position;
        if (batch.length >= options.batchSize) await deliver();
      } else if (item.kind === 'skip') {
        at = later(item.position);
      } else if (item.kind === 'checkpoint') {
        // Live, the server's checkpoints lie wherever it stopped scanning: often on a record after the last event
        // the store shows (an append's index entries, system and link events), which its head never reaches, so a
        // checkpoint saved there would read as one from another log on the next start. The idle probe moves a live
        // checkpoint instead, to the head. Before catching up, never past the head read at start: the caughtUp
        // marker lands exactly on it.
        if (live) return;
        const capped = head !== undefined && source.compare(item.position, head) > 0 ? head : item.position;
        if (checkpoint === undefined || source.compare(capped, checkpoint) > 0) at = later(capped);
      } else {
        const seen = at ?? checkpoint;
        if (head !== undefined && (seen === undefined || source.compare(seen, head) < 0)) at = head;
        if (at !== undefined) await deliver();
        markCaughtUp();
      }
    };

    while (!stopped) {
      const item = queue.take();
      if (item !== undefined) {
        await apply(item);
        continue;
      }
      queue.throwIfFailed();
      if (at !== undefined && live) {
        await deliver();
        continue;
      }
      const now = Date.now();
      if (at !== undefined) lingerDue ??= now + options.lingerMs;
      else if (live) probeDue ??= now + options.probeMs;
      const due = at !== undefined ? lingerDue : live ? probeDue : undefined;
      const woken = due !== undefined && due <= now ? false : await queue.sleep(due === undefined ? undefined : due - now);
      if (woken || stopped) continue;
      if (at !== undefined) await deliver();
      else if (live) {
        probeDue = undefined;
        if (!queue.idle()) continue;
        const reachable = await source.probe(checkpoint);
        if (reachable !== undefined && !stopped && (checkpoint === undefined || source.compare(reachable, checkpoint) > 0)) {
          at = reachable;
          await deliver();
        }
      }
    }
  };

  const done = run().finally(async () => {
    stopped = true;
    await queue.close();
  });
  done.then(
    () => rejectCaughtUp(new Error('subscription stopped before it caught up')),
    (error: unknown) => rejectCaughtUp(error),
  );

  return {
    caughtUp,
    done,
    checkpoint: () => checkpoint,
    async stop() {
      stopped = true;
      queue.wake();
      await done.catch(() => undefined);
    },
  };
}
