import { Transform } from 'node:stream';
import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { catchUpSubscription, type CatchUpOptions, type CatchUpSource } from './catch-up-subscription';
import { comparePositions } from './positions';

/**
 * The batching seam, driven by a stand-in for the driver's subscription: an
 * object-mode Transform that, like the driver's, emits 'caughtUp' from its
 * transform step, i.e. possibly while earlier events still sit in its buffer.
 * No server involved; the real thing is the contract suite (int spec).
 */
const CAUGHT_UP = Symbol('caughtUp');
/** A checkpoint event from the server, delivered from the transform step like 'caughtUp'. */
const checkpointAt = (position: string) => ({ checkpointAt: position });
type Driver = Transform & {
  unsubscribed: boolean;
  unsubscribe(): Promise<void>;
  opened: Promise<void>;
  open(): void;
  onCheckpoint?: (position: string) => void;
};

function fakeDriver(): Driver {
  const driver = new Transform({
    objectMode: true,
    highWaterMark: 4,
    transform(chunk: unknown, _encoding, next) {
      if (chunk === CAUGHT_UP) {
        this.emit('caughtUp');
        next();
      } else if (typeof chunk === 'object' && chunk !== null && 'checkpointAt' in chunk) {
        driver.onCheckpoint?.((chunk as { checkpointAt: string }).checkpointAt);
        next();
      } else next(null, chunk);
    },
  }) as Driver;
  driver.unsubscribed = false;
  // The real driver connects asynchronously, so nothing arrives before the store has attached its listeners.
  driver.opened = new Promise((resolve) => {
    driver.open = () => resolve();
  });
  driver.unsubscribe = async () => {
    driver.unsubscribed = true;
  };
  return driver;
}

const event = (n: number, type = 'E'): RecordedEvent =>
  ({ streamId: 's-1', type, data: { n }, revision: n, position: `${n}:${n}`, metadata: {} }) as unknown as RecordedEvent;
const resolved = (e: RecordedEvent) => ({ mine: e }) as unknown as AllStreamResolvedEvent;

function source(
  driver: Driver | (() => Driver),
  head: string | undefined,
  opened: Array<string | undefined> = [],
  probe: CatchUpSource['probe'] = async () => undefined,
): CatchUpSource {
  return {
    head: async () => head,
    open: (after, onCheckpoint) => {
      opened.push(after);
      const next = typeof driver === 'function' ? driver() : driver;
      next.onCheckpoint = onCheckpoint;
      next.open();
      return next as unknown as AllStreamSubscription;
    },
    visible: (r) => (r as unknown as { mine: RecordedEvent }).mine,
    matches: (e) => e.type !== 'Noise',
    compare: comparePositions,
    probe,
    transient: (error) => !(error instanceof Error && error.message === 'access denied'),
  };
}

const options = (more: Partial<CatchUpOptions>): CatchUpOptions => ({
  batchSize: 10,
  lingerMs: 10_000,
  probeMs: 10_000,
  resubscribeDelayMs: 1,
  resubscribeAttempts: 3,
  ...more,
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('catch-up subscription', () => {
  it('delivers full batches of history, the short tail at caughtUp, then live events', async () => {
    const driver = fakeDriver();
    const batches: string[][] = [];
    const sub = catchUpSubscription(
      source(driver, '5:5'),
      (events, at) => void batches.push([...events.map((e) => e.position), `@${at}`]),
      options({ batchSize: 2, lingerMs: 10_000 }),
    );
    await driver.opened;
    for (let n = 1; n <= 5; n += 1) driver.write(resolved(event(n)));
    driver.write(CAUGHT_UP);
    await sub.caughtUp;
    expect(batches).toEqual([
      ['1:1', '2:2', '@2:2'],
      ['3:3', '4:4', '@4:4'],
      ['5:5', '@5:5'],
    ]);
    driver.write(resolved(event(6)));
    while (batches.length < 4) await tick();
    expect(batches[3]).toEqual(['6:6', '@6:6']);
    await sub.stop();
    expect(driver.unsubscribed).toBe(true);
  });

  it('resolves caughtUp only after the events buffered ahead of the marker, one handler call at a time', async () => {
    const driver = fakeDriver();
    const seen: RecordedEvent[] = [];
    let running = 0;
    let overlapped = false;
    const sub = catchUpSubscription(
      source(driver, '300:300'),
      async (events) => {
        running += 1;
        overlapped ||= running > 1;
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(...events);
        running -= 1;
      },
      options({ batchSize: 3, lingerMs: 10_000 }),
    );
    await driver.opened;
    for (let n = 1; n <= 300; n += 1) driver.write(resolved(event(n)));
    driver.write(CAUGHT_UP);
    await sub.caughtUp;
    expect(seen.map((e) => e.revision)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(overlapped).toBe(false);
    await sub.stop();
  });

  it('moves the checkpoint up to the head read at start when the tail was filtered out', async () => {
    const driver = fakeDriver();
    const calls: Array<[number, string]> = [];
    const sub = catchUpSubscription(
      source(driver, '9:9'),
      (events, at) => void calls.push([events.length, at]),
      options({ batchSize: 100, lingerMs: 10_000 }),
    );
    await driver.opened;
    driver.write(resolved(event(2)));
    driver.write(resolved(event(3, 'Noise')));
    driver.write(CAUGHT_UP);
    await sub.caughtUp;
    expect(calls).toEqual([[1, '9:9']]);
    expect(sub.checkpoint()).toBe('9:9');
    await sub.stop();
  });

  it('without a caughtUp from the server, lingers, delivers the short batch and catches up at the head', async () => {
    const driver = fakeDriver();
    const calls: Array<[number, string]> = [];
    const sub = catchUpSubscription(
      source(driver, '2:2'),
      (events, at) => void calls.push([events.length, at]),
      options({ batchSize: 100, lingerMs: 20 }),
    );
    await driver.opened;
    driver.write(resolved(event(1)));
    driver.write(resolved(event(2)));
    await sub.caughtUp;
    expect(calls).toEqual([[2, '2:2']]);
    await sub.stop();
  });

  it('resumes after `after`, dropping an event the server repeats, and is caught up at once when nothing is newer', async () => {
    const driver = fakeDriver();
    const opened: Array<string | undefined> = [];
    const seen: number[] = [];
    const sub = catchUpSubscription(
      source(driver, '4:4', opened),
      (events) => void seen.push(...events.map((e) => e.revision)),
      options({ after: '4:4', batchSize: 10, lingerMs: 10_000 }),
    );
    await sub.caughtUp;
    await driver.opened;
    driver.write(resolved(event(4)));
    driver.write(resolved(event(5)));
    while (seen.length < 1) await tick();
    expect(opened).toEqual(['4:4']);
    expect(seen).toEqual([5]);
    await sub.stop();
  });

  it("rejects done (and a pending caughtUp) with the handler's error and lets go of the driver", async () => {
    const driver = fakeDriver();
    const sub = catchUpSubscription(
      source(driver, '9:9'),
      (events) => {
        if (events.some((e) => e.revision === 3)) throw new Error('projection bug');
      },
      options({ batchSize: 2, lingerMs: 10_000 }),
    );
    await driver.opened;
    for (let n = 1; n <= 6; n += 1) driver.write(resolved(event(n)));
    await expect(sub.done).rejects.toThrow('projection bug');
    await expect(sub.caughtUp).rejects.toThrow('projection bug');
    expect(sub.checkpoint()).toBe('2:2');
    expect(driver.unsubscribed).toBe(true);
  });

  it('fails when the driver reports an error that subscribing again cannot cure', async () => {
    const driver = fakeDriver();
    const sub = catchUpSubscription(source(driver, undefined), () => undefined, options({ batchSize: 2, lingerMs: 10_000 }));
    await sub.caughtUp;
    await driver.opened;
    driver.emit('error', new Error('access denied'));
    await expect(sub.done).rejects.toThrow('access denied');
  });

  it("moves the checkpoint on the driver's checkpoint events while catching up, and live only to events it shows", async () => {
    const driver = fakeDriver();
    const calls: Array<[number[], string]> = [];
    const sub = catchUpSubscription(
      source(driver, '40:40'),
      (events, at) => void calls.push([events.map((e) => e.revision), at]),
      options({ batchSize: 100, lingerMs: 5 }),
    );
    await driver.opened;
    driver.write(resolved(event(1)));
    driver.write(resolved(event(2)));
    // Catching up: the server scanned 28 records of other categories and says so.
    driver.write(checkpointAt('30:30'));
    while (sub.checkpoint() === undefined || comparePositions(sub.checkpoint() as string, '30:30') < 0) await tick();
    driver.write(CAUGHT_UP);
    await sub.caughtUp;
    // Live: an event, then a checkpoint on a record after it that the store does not show (an append's index entry).
    driver.write(resolved(event(41)));
    driver.write(checkpointAt('60:60'));
    while (calls.flatMap(([revisions]) => revisions).length < 3) await tick();
    for (let i = 0; i < 20; i += 1) await tick();
    expect(calls.flatMap(([revisions]) => revisions)).toEqual([1, 2, 41]);
    expect(calls[calls.length - 1]).toEqual([[41], '41:41']);
    expect(sub.checkpoint()).toBe('41:41');
    await sub.stop();
  });

  it('probes the head on time while live checkpoints keep waking it (steady traffic of other categories)', async () => {
    const driver = fakeDriver();
    let probes = 0;
    const sub = catchUpSubscription(
      source(driver, '2:2', [], async () => {
        probes += 1;
        return '99:99';
      }),
      () => undefined,
      options({ batchSize: 100, lingerMs: 5, probeMs: 60 }),
    );
    await driver.opened;
    driver.write(resolved(event(1)));
    driver.write(resolved(event(2)));
    driver.write(CAUGHT_UP);
    await sub.caughtUp;
    // The server reports its scan every 15 ms, four times within each probe interval: each report wakes the loop.
    let n = 3;
    const timer = setInterval(() => driver.write(checkpointAt(`${(n += 1)}:${n}`)), 15);
    try {
      const until = Date.now() + 2_000;
      while (sub.checkpoint() !== '99:99' && Date.now() < until) await tick();
    } finally {
      clearInterval(timer);
    }
    expect(sub.checkpoint()).toBe('99:99');
    expect(probes).toBeGreaterThan(0);
    await sub.stop();
  });

  it('never moves past the head read at start before it has caught up, so it catches up exactly there', async () => {
    const driver = fakeDriver();
    const calls: string[] = [];
    const sub = catchUpSubscription(source(driver, '5:5'), (_events, at) => void calls.push(at), options({ batchSize: 100, lingerMs: 5 }));
    await driver.opened;
    driver.write(checkpointAt('3:3'));
    driver.write(checkpointAt('9:9'));
    driver.write(CAUGHT_UP);
    await sub.caughtUp;
    expect(calls[calls.length - 1]).toBe('5:5');
    expect(calls.every((at) => comparePositions(at, '5:5') <= 0)).toBe(true);
    await sub.stop();
  });

  it('probes the head while live and idle, so a wait for an event of another category ends', async () => {
    const driver = fakeDriver();
    const probed: Array<string | undefined> = [];
    const sub = catchUpSubscription(
      source(driver, '2:2', [], async (checkpoint) => {
        probed.push(checkpoint);
        return '7:7';
      }),
      () => undefined,
      options({ probeMs: 5 }),
    );
    await driver.opened;
    driver.write(resolved(event(2)));
    driver.write(CAUGHT_UP);
    await sub.caughtUp;
    while (sub.checkpoint() !== '7:7') await tick();
    expect(probed[0]).toBe('2:2');
    await sub.stop();
  });

  it('settles caughtUp and done when stopped before catching up', async () => {
    const driver = fakeDriver();
    const sub = catchUpSubscription(source(driver, '9:9'), () => undefined, options({}));
    await driver.opened;
    driver.write(resolved(event(1)));
    await sub.stop();
    await expect(sub.done).resolves.toBeUndefined();
    await expect(sub.caughtUp).rejects.toThrow(/stopped before it caught up/);
    expect(driver.unsubscribed).toBe(true);
  });

  it('subscribes again after a dropped connection, from the last position received, losing and repeating nothing', async () => {
    const drivers: Driver[] = [];
    const opened: Array<string | undefined> = [];
    const seen: number[] = [];
    const next = () => {
      const driver = fakeDriver();
      drivers.push(driver);
      return driver;
    };
    const sub = catchUpSubscription(
      source(next, '4:4', opened),
      (events) => void seen.push(...events.map((e) => e.revision)),
      options({ batchSize: 100, lingerMs: 5 }),
    );
    while (drivers.length < 1) await tick();
    const first = drivers[0] as Driver;
    await first.opened;
    first.write(resolved(event(1)));
    first.write(resolved(event(2)));
    while (seen.length < 2) await tick();
    first.emit('error', new Error('14 UNAVAILABLE: leader changed'));
    while (drivers.length < 2) await tick();
    const second = drivers[1] as Driver;
    await second.opened;
    second.write(resolved(event(2)));
    second.write(resolved(event(3)));
    second.write(resolved(event(4)));
    second.write(CAUGHT_UP);
    await sub.caughtUp;
    expect(opened).toEqual([undefined, '2:2']);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(first.unsubscribed).toBe(true);
    await sub.stop();
  });

  it('gives up after too many drops in a row', async () => {
    const drivers: Driver[] = [];
    const next = () => {
      const driver = fakeDriver();
      drivers.push(driver);
      driver.opened.then(
        () => setImmediate(() => driver.emit('error', new Error('connection reset'))),
        () => undefined,
      );
      return driver;
    };
    const sub = catchUpSubscription(source(next, '4:4'), () => undefined, options({ resubscribeAttempts: 2 }));
    await expect(sub.done).rejects.toThrow('connection reset');
    expect(drivers).toHaveLength(3);
  });
});
