import { Transform } from 'node:stream';
import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { catchUpSubscription, type CatchUpSource } from './catch-up-subscription';
import { comparePositions } from './positions';

/**
 * The batching seam, driven by a stand-in for the driver's subscription: an
 * object-mode Transform that, like the driver's, emits 'caughtUp' from its
 * transform step, i.e. possibly while earlier events still sit in its buffer.
 * No server involved; the real thing is the contract suite (int spec).
 */
const CAUGHT_UP = Symbol('caughtUp');
type Driver = Transform & { unsubscribed: boolean; unsubscribe(): Promise<void>; opened: Promise<void>; open(): void };

function fakeDriver(): Driver {
  const driver = new Transform({
    objectMode: true,
    highWaterMark: 4,
    transform(chunk: unknown, _encoding, next) {
      if (chunk === CAUGHT_UP) {
        this.emit('caughtUp');
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

function source(driver: Driver, head: string | undefined, opened: Array<string | undefined> = []): CatchUpSource {
  return {
    head: async () => head,
    open: (after) => {
      opened.push(after);
      driver.open();
      return driver as unknown as AllStreamSubscription;
    },
    visible: (r) => (r as unknown as { mine: RecordedEvent }).mine,
    matches: (e) => e.type !== 'Noise',
    compare: comparePositions,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('catch-up subscription', () => {
  it('delivers full batches of history, the short tail at caughtUp, then live events', async () => {
    const driver = fakeDriver();
    const batches: string[][] = [];
    const sub = catchUpSubscription(
      source(driver, '5:5'),
      (events, at) => void batches.push([...events.map((e) => e.position), `@${at}`]),
      { batchSize: 2, lingerMs: 10_000 },
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
      { batchSize: 3, lingerMs: 10_000 },
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
    const sub = catchUpSubscription(source(driver, '9:9'), (events, at) => void calls.push([events.length, at]), {
      batchSize: 100,
      lingerMs: 10_000,
    });
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
    const sub = catchUpSubscription(source(driver, '2:2'), (events, at) => void calls.push([events.length, at]), {
      batchSize: 100,
      lingerMs: 20,
    });
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
    const sub = catchUpSubscription(source(driver, '4:4', opened), (events) => void seen.push(...events.map((e) => e.revision)), {
      after: '4:4',
      batchSize: 10,
      lingerMs: 10_000,
    });
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
      { batchSize: 2, lingerMs: 10_000 },
    );
    await driver.opened;
    for (let n = 1; n <= 6; n += 1) driver.write(resolved(event(n)));
    await expect(sub.done).rejects.toThrow('projection bug');
    await expect(sub.caughtUp).rejects.toThrow('projection bug');
    expect(sub.checkpoint()).toBe('2:2');
    expect(driver.unsubscribed).toBe(true);
  });

  it('fails when the driver reports an error', async () => {
    const driver = fakeDriver();
    const sub = catchUpSubscription(source(driver, undefined), () => undefined, { batchSize: 2, lingerMs: 10_000 });
    await sub.caughtUp;
    await driver.opened;
    driver.emit('error', new Error('connection reset'));
    await expect(sub.done).rejects.toThrow('connection reset');
  });
});
