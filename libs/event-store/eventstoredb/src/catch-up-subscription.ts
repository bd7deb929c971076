import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';
import type { BatchHandler, RecordedEvent, Subscription } from '@crm/shared/event-sourcing';

/** What the subscription needs from the store; a seam so the batching can be tested without a server. */
export interface CatchUpSource {
  /** Position of the newest visible event, read before subscribing. */
  head(): Promise<string | undefined>;
  /** The driver's native subscription after `after` (exclusive), with its server-side filter. */
  open(after: string | undefined): AllStreamSubscription;
  /** The event as this store shows it, or undefined when it is not in the store's view. */
  visible(resolved: AllStreamResolvedEvent): RecordedEvent | undefined;
  /** The caller's filter, exactly (the server-side one is only a coarse prefix match). */
  matches(event: RecordedEvent): boolean;
  compare(a: string, b: string): number;
}

export interface CatchUpOptions {
  readonly after?: string;
  readonly batchSize: number;
  /** Before catching up, how long a partial batch waits for more (servers without 'caughtUp'). */
  readonly lingerMs: number;
}

type Item =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'skip'; readonly position: string }
  | { readonly kind: 'caughtUp' };

/**
 * The driver pushes events as fast as the server sends them; the port hands
 * them over one batch at a time and waits for the handler. In between sits a
 * queue: the driver stream is paused when it fills and resumed when it drains.
 *
 * ESDB (23.10+) says 'caughtUp' when history ends. The driver emits that while
 * events sent before it may still sit in its readable buffer, so the marker is
 * queued behind exactly `readableLength` more events. At the marker the batch
 * is delivered even if short, its checkpoint moves up to the head read at
 * start (everything before it has been seen, filtered or not), and `caughtUp`
 * resolves. A delivered checkpoint at or past that head also counts, for
 * servers that never say 'caughtUp'.
 */
export function catchUpSubscription(source: CatchUpSource, handler: BatchHandler, options: CatchUpOptions): Subscription {
  let checkpoint = options.after;
  let stopped = false;
  let failure: { readonly error: unknown } | undefined;
  let driver: AllStreamSubscription | undefined;
  let wake: (() => void) | undefined;
  const queue: Item[] = [];
  const highWater = Math.max(64, options.batchSize * 2);
  let paused = false;
  let received = 0;
  const markersAt: number[] = [];

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

  const wakeUp = () => wake?.();
  const sleep = (timeoutMs: number | undefined) =>
    new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          wake = undefined;
          resolve(false);
        }, timeoutMs);
      }
    });
  const enqueue = (item: Item) => {
    queue.push(item);
    if (!paused && queue.length >= highWater) {
      paused = true;
      driver?.pause();
    }
    wakeUp();
  };
  const fail = (error: unknown) => {
    if (stopped || failure) return;
    failure = { error };
    wakeUp();
  };

  const receive = (resolved: AllStreamResolvedEvent) => {
    received += 1;
    const event = source.visible(resolved);
    // The server starts after `after`; the comparison only guards against an inclusive start.
    if (event && !(options.after !== undefined && source.compare(event.position, options.after) <= 0)) {
      enqueue(source.matches(event) ? { kind: 'event', event } : { kind: 'skip', position: event.position });
    }
    while (markersAt[0] === received) {
      markersAt.shift();
      enqueue({ kind: 'caughtUp' });
    }
  };
  const serverCaughtUp = () => {
    const buffered = driver?.readableLength ?? 0;
    if (buffered === 0) enqueue({ kind: 'caughtUp' });
    else markersAt.push(received + buffered);
  };

  const run = async (): Promise<void> => {
    const head = await source.head();
    if (stopped) return;
    if (head === undefined || (checkpoint !== undefined && source.compare(checkpoint, head) >= 0)) markCaughtUp();
    driver = source.open(checkpoint);
    driver.on('data', receive);
    driver.on('caughtUp', serverCaughtUp);
    driver.on('error', fail);
    driver.on('end', () => fail(new Error('EventStoreDB ended the $all subscription')));

    let batch: RecordedEvent[] = [];
    let at: string | undefined;
    const deliver = async () => {
      const events = batch;
      const reached = at as string;
      batch = [];
      at = undefined;
      if (stopped) return;
      await handler(events, reached);
      checkpoint = reached;
      if (head !== undefined && source.compare(reached, head) >= 0) markCaughtUp();
    };

    while (!stopped) {
      const item = queue.shift();
      if (item === undefined) {
        if (failure) throw failure.error;
        if (at !== undefined && live) {
          await deliver();
          continue;
        }
        const woken = await sleep(at === undefined ? undefined : options.lingerMs);
        if (!woken && at !== undefined) await deliver();
        continue;
      }
      if (paused && queue.length < highWater / 2) {
        paused = false;
        driver.resume();
      }
      if (item.kind === 'event') {
        batch.push(item.event);
        at = item.event.position;
        if (batch.length >= options.batchSize) await deliver();
      } else if (item.kind === 'skip') {
        at = item.position;
      } else {
        const seen = at ?? checkpoint;
        if (head !== undefined && (seen === undefined || source.compare(seen, head) < 0)) at = head;
        if (at !== undefined) await deliver();
        markCaughtUp();
      }
    }
  };

  const done = run().finally(async () => {
    stopped = true;
    await driver?.unsubscribe().catch(() => undefined);
  });
  done.catch((error: unknown) => rejectCaughtUp(error));

  return {
    caughtUp,
    done,
    checkpoint: () => checkpoint,
    async stop() {
      stopped = true;
      wakeUp();
      await done.catch(() => undefined);
    },
  };
}
