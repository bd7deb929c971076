import { Logger } from '@nestjs/common';
import { InMemoryEventStore, streamIdOf } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { ManualClock, newId } from '@crm/shared/kernel';
import { createComplaintDecider, type ComplaintCommand } from '@crm/service/domain';
import { InMemoryReadStore, type ReactorLeases } from '@crm/shared/read-model';
import { anEvent } from '@crm/shared/testing';
import { ComplaintDeadlineWatcher } from './complaint-deadline-watcher';
import { InMemoryOpenDeadlines, ReadStoreOpenDeadlines, type OpenDeadlinesReadModel } from './open-deadlines.read-model';

const T0 = '2025-03-01T06:30:00.000Z';
const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

describe('complaint deadline watcher (in-memory event store, ManualClock)', () => {
  const decider = createComplaintDecider();
  let store: InMemoryEventStore;
  let clock: ManualClock;
  let executor: CommandExecutor;
  const running: ComplaintDeadlineWatcher[] = [];

  /** A watcher as one process would run it: its own read model, rebuilt from the store. */
  const startWatcher = async (leases?: ReactorLeases, model: OpenDeadlinesReadModel = new InMemoryOpenDeadlines()) => {
    const watcher = new ComplaintDeadlineWatcher(executor, decider, model, leases);
    running.push(watcher);
    await watcher.start();
    return watcher;
  };
  const send = async (complaintId: string, command: ComplaintCommand, tenantId = 'default') => {
    const context: CommandContext = { commandId: newId(), actor: { id: 'agent-1', roles: [] }, tenantId };
    return executor.execute(decider, streamIdOf('complaint', complaintId), command, context);
  };
  const receive = (complaintId: string, tenantId?: string) =>
    send(
      complaintId,
      {
        type: 'ReceiveComplaint',
        data: {
          complaintId,
          complainant: { name: 'رضا کریمی' },
          channel: 'phone',
          category: 'کیفیت',
          description: 'معیوب',
          receivedAt: clock.now().toISOString(),
        },
      },
      tenantId,
    );
  const breachesOf = async (complaintId: string, tenantId = 'default') =>
    (await store.readStream(streamIdOf('complaint', complaintId), { tenantId })).filter((e) => e.type === 'ComplaintSlaBreached');
  const settled = async (watcher: ComplaintDeadlineWatcher) => watcher.caughtUpTo((await store.headPosition()) ?? '0');

  // The failure case logs on purpose; the report is what the test reads.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));
  beforeEach(() => {
    store = new InMemoryEventStore();
    clock = new ManualClock(T0);
    executor = new CommandExecutor(store, clock);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((watcher) => watcher.stop()));
  });

  it('records nothing a second before the deadline, one breach a second after, and no more on later ticks', async () => {
    const id = newId();
    await receive(id);
    const watcher = await startWatcher();
    await settled(watcher);

    // Unassessed, the provisional (medium) policy gives a day to acknowledge.
    clock.set(at(DAY - SECOND));
    expect(await watcher.tick(clock.now())).toEqual({ at: at(DAY - SECOND), due: 0, recorded: 0, failed: 0 });
    clock.set(at(DAY + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 1, recorded: 1, failed: 0 });
    // The read model may not have seen the breach yet; the command id makes the repeat a no-op anyway.
    expect(await watcher.tick(clock.now())).toMatchObject({ recorded: 0, failed: 0 });
    await settled(watcher);
    clock.advance(HOUR);
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 0, recorded: 0 });

    const breaches = await breachesOf(id);
    expect(breaches).toHaveLength(1);
    expect(breaches[0]?.data).toMatchObject({ milestone: 'acknowledge', deadline: at(DAY), detectedAt: at(DAY + SECOND) });
    expect(breaches[0]?.metadata.actor).toEqual({ id: 'system:sla-watcher', roles: ['system'] });
  });

  it('leaves out a complaint whose deadline no instant holds, and goes on recording the others', async () => {
    // Written by a process whose policy gave 10^11 minutes, before policies were bounded: year 192159.
    const poisoned = newId();
    await store.appendToStream(streamIdOf('complaint', poisoned), [
      anEvent('ComplaintReceived', {
        complaintId: poisoned,
        complainant: { name: 'رضا کریمی' },
        channel: 'phone',
        category: 'کیفیت',
        description: 'معیوب',
        receivedAt: T0,
        provisionalSeverity: 'medium',
        escalationLevel: 'local',
        deadlines: { acknowledgeBy: at(DAY), resolveBy: '+192159-05-12T20:58:20.552Z' },
        from: 'none',
        to: 'received',
      }),
    ]);
    const id = newId();
    await receive(id);
    const watcher = await startWatcher();
    // Before, the feed failed on the first complaint and restarted for ever: no breach of any complaint was recorded.
    await settled(watcher);
    clock.set(at(DAY + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ recorded: 1, failed: 0 });
    expect(await breachesOf(id)).toHaveLength(1);
    expect(await breachesOf(poisoned)).toHaveLength(0);

    // Poisoned by a later step (assessed under such a policy): its earlier deadlines are no longer in force, so it is
    // offered for no breach, and the feed goes on.
    const later = newId();
    await receive(later);
    await store.appendToStream(streamIdOf('complaint', later), [
      anEvent('ComplaintAssessed', {
        complaintId: later,
        severity: 'high',
        escalationLevel: 'local',
        deadlines: { acknowledgeBy: '+192159-05-12T20:58:20.552Z', resolveBy: '+192159-05-12T20:58:20.552Z' },
        from: 'received',
        to: 'received',
        assessedAt: clock.now().toISOString(),
      }),
    ]);
    await settled(watcher);
    clock.advance(2 * DAY);
    // Before, it stayed due on its old deadline and was offered on every tick (and took one of its slots).
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 0, recorded: 0, failed: 0 });
    expect(await breachesOf(later)).toHaveLength(0);
  });

  it('never records a breach twice across concurrent watchers or a restart', async () => {
    const id = newId();
    await receive(id);
    const [one, two] = [await startWatcher(), await startWatcher()];
    await Promise.all([settled(one), settled(two)]);
    clock.set(at(DAY + SECOND));
    // Two processes, and one of them ticking twice at once, all at the same breach.
    const reports = await Promise.all([one.tick(clock.now()), two.tick(clock.now()), one.tick(clock.now())]);
    expect(reports.map((report) => report.failed)).toEqual([0, 0, 0]);
    expect(reports[2]?.recorded).toBe(0);
    expect(await breachesOf(id)).toHaveLength(1);

    await Promise.all([one.stop(), two.stop()]);
    const restarted = await startWatcher();
    await settled(restarted);
    clock.advance(HOUR);
    expect(await restarted.tick(clock.now())).toMatchObject({ due: 0, recorded: 0 });
    expect(await breachesOf(id)).toHaveLength(1);
  });

  it('leaves met milestones alone and watches the next one', async () => {
    const id = newId();
    await receive(id);
    await send(id, { type: 'AssessComplaint', data: { severity: 'high', at: at(HOUR) } });
    await send(id, { type: 'AcknowledgeComplaint', data: { at: at(4 * HOUR) } });
    const watcher = await startWatcher();
    await settled(watcher);
    clock.set(at(3 * DAY));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 0, recorded: 0 });
    clock.set(at(3 * DAY + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 1, recorded: 1 });
    expect((await breachesOf(id)).map((e) => e.data['milestone'])).toEqual(['resolve']);
  });

  it('follows live events: a later re-assessment moves the deadline, a closing ends the watch', async () => {
    const [moved, closed] = [newId(), newId()];
    const watcher = await startWatcher();
    await receive(moved);
    await receive(closed);
    clock.set(at(HOUR));
    await send(moved, { type: 'AssessComplaint', data: { severity: 'low', at: at(HOUR) } });
    await send(closed, { type: 'CloseComplaint', data: { outcome: 'withdrawn', at: at(HOUR) } });
    await settled(watcher);
    clock.set(at(DAY + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 0, recorded: 0 });
    clock.set(at(2 * DAY + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 1, recorded: 1 });
    expect(await breachesOf(moved)).toHaveLength(1);
    expect(await breachesOf(closed)).toHaveLength(0);
  });

  it("records each tenant's breach on that tenant's stream", async () => {
    const id = newId();
    await receive(id, 'tenant-b');
    const watcher = await startWatcher();
    await settled(watcher);
    clock.set(at(DAY + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ recorded: 1 });
    expect(await breachesOf(id, 'tenant-b')).toHaveLength(1);
    expect(await breachesOf(id)).toHaveLength(0);
  });

  it('goes on past a complaint it cannot record, and reports it', async () => {
    const [good, broken] = [newId(), newId()];
    await receive(good);
    const model = new InMemoryOpenDeadlines();
    const watcher = new ComplaintDeadlineWatcher(executor, decider, model);
    running.push(watcher);
    await watcher.start();
    await settled(watcher);
    // A document whose stream is gone (e.g. a tenant purged) must not hold up everyone else.
    const ghost = { acknowledgeBy: at(HOUR), resolveBy: at(DAY) };
    const streamId = streamIdOf('complaint', broken);
    await model.put({
      tenantId: 'default',
      streamId,
      complaintId: broken,
      deadlines: ghost,
      breaches: [],
      revision: 0,
      nextDueAt: at(HOUR),
    });
    clock.set(at(DAY + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 3, recorded: 1, failed: 2 });
    expect(await breachesOf(good)).toHaveLength(1);
  });

  it('lets the event loop turn while a first start folds a long log', async () => {
    for (let n = 0; n < 3_000; n += 1) await receive(newId());
    let timerFiredAt: number | undefined;
    const watcher = new ComplaintDeadlineWatcher(executor, decider, new InMemoryOpenDeadlines());
    // A turn before every event: folding 3,000 events may take less than the default 50 ms on a fast machine.
    watcher.loopBudgetMs = 0;
    running.push(watcher);
    setTimeout(() => (timerFiredAt = watcher.eventsFolded), 0);
    await watcher.start();
    await settled(watcher);
    // Without a turn of the loop the timer fires only once all 3,000 are folded.
    expect(timerFiredAt).toBeDefined();
    expect(timerFiredAt).toBeLessThan(3_000);
  }, 30_000);

  describe('its view in the read store (documents and checkpoint)', () => {
    it('a restart resumes from the saved checkpoint and folds no earlier event; the in-memory view folds them all again', async () => {
      const readStore = new InMemoryReadStore();
      const ids = [newId(), newId(), newId()];
      for (const id of ids) {
        await receive(id);
        await send(id, { type: 'AssessComplaint', data: { severity: 'low', at: at(HOUR) } });
      }
      const first = await startWatcher(undefined, new ReadStoreOpenDeadlines(readStore));
      await settled(first);
      expect(first.eventsFolded).toBe(6);
      await first.stop();

      const restarted = await startWatcher(undefined, new ReadStoreOpenDeadlines(readStore));
      await settled(restarted);
      expect(restarted.caughtUp).toBe(true);
      expect(restarted.eventsFolded).toBe(0);
      // Only what came after the checkpoint is read, and the view still holds the complaints before it.
      const late = newId();
      await receive(late);
      await settled(restarted);
      expect(restarted.eventsFolded).toBe(1);
      clock.set(at(3 * DAY + SECOND));
      // The three acknowledgements before the restart and the one after it.
      expect(await restarted.tick(clock.now())).toMatchObject({ due: 4, recorded: 4, failed: 0 });
      expect(await breachesOf(ids[0]!)).toHaveLength(1);
      expect(await breachesOf(late)).toHaveLength(1);

      const inMemory = await startWatcher();
      await settled(inMemory);
      // Six before the first start, the late receipt, the four breaches: the whole log again.
      expect(inMemory.eventsFolded).toBe(11);
    });

    it('only the lease holder feeds the shared view; a new owner resumes from its checkpoint and records each breach once', async () => {
      const readStore = new InMemoryReadStore();
      const leases = (owner: string): ReactorLeases => ({ store: readStore, ttlMs: 300, renewEveryMs: 20, owner });
      const [before, after] = [newId(), newId()];
      await receive(before);
      const one = await startWatcher(leases('one'), new ReadStoreOpenDeadlines(readStore));
      const two = await startWatcher(leases('two'), new ReadStoreOpenDeadlines(readStore));
      await settled(one);
      expect([one.owns, two.owns]).toEqual([true, false]);
      expect([one.eventsFolded, two.eventsFolded]).toEqual([1, 0]);
      expect(two.caughtUp).toBe(false);

      clock.set(at(DAY + SECOND));
      expect(await two.tick(clock.now())).toMatchObject({ due: 0, standby: true });
      expect(await one.tick(clock.now())).toMatchObject({ due: 1, recorded: 1 });
      await settled(one);
      await receive(after);
      await settled(one);
      // A clean stop commits the owner's documents with its checkpoint and gives the lease up.
      await one.stop();
      const giveUpAt = Date.now() + 5_000;
      while (!two.owns || !two.caughtUp) {
        if (Date.now() > giveUpAt) throw new Error('the standby did not take over');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await settled(two);
      // The standby read nothing before the checkpoint the owner committed.
      expect(two.eventsFolded).toBe(0);
      clock.advance(DAY + SECOND);
      expect(await two.tick(clock.now())).toMatchObject({ due: 1, recorded: 1, failed: 0 });
      expect(await breachesOf(before)).toHaveLength(1);
      expect(await breachesOf(after)).toHaveLength(1);
    });
  });

  describe('with leases (one watcher records, the others stand by)', () => {
    const TTL = 300;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const until = async (check: () => boolean, what: string) => {
      const giveUpAt = Date.now() + 5_000;
      while (!check()) {
        if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
        await sleep(10);
      }
    };

    it('only the owner records; the standby takes over when the owner stops, and a stalled owner stops recording', async () => {
      const leases = new InMemoryReadStore();
      // A process whose lease renewals stall (paused, cut off) once `stalled` is set.
      let stalled = false;
      const stallable: ReactorLeases['store'] = {
        acquireLease: (name, owner, ttlMs) => (stalled ? new Promise(() => undefined) : leases.acquireLease(name, owner, ttlMs)),
        releaseLease: (name, owner) => leases.releaseLease(name, owner),
        listLeases: () => leases.listLeases(),
        transaction: (work, options) => leases.transaction(work, options),
        loadCheckpoint: (name) => leases.loadCheckpoint(name),
      };
      const [first, second, third] = [newId(), newId(), newId()];
      await receive(first);
      const one = await startWatcher({ store: stallable, ttlMs: TTL, renewEveryMs: 20, owner: 'one' });
      const two = await startWatcher({ store: leases, ttlMs: TTL, renewEveryMs: 20, owner: 'two' });
      await Promise.all([settled(one), settled(two)]);
      expect([one.owns, two.owns]).toEqual([true, false]);

      clock.set(at(DAY + SECOND));
      expect(await two.tick(clock.now())).toEqual({ at: at(DAY + SECOND), due: 0, recorded: 0, failed: 0, standby: true });
      expect(await one.tick(clock.now())).toMatchObject({ due: 1, recorded: 1, failed: 0 });
      expect(await breachesOf(first)).toHaveLength(1);

      // The owner stalls: it stops acting by its own clock once its lease lapses, and the standby takes over.
      await receive(second);
      await Promise.all([settled(one), settled(two)]);
      stalled = true;
      const stalledAt = Date.now();
      await until(() => two.owns, 'the standby to take the lease');
      expect(Date.now() - stalledAt).toBeLessThan(TTL + 20 * 3 + 500);
      expect(one.owns).toBe(false);
      clock.advance(DAY + SECOND);
      expect(await one.tick(clock.now())).toMatchObject({ recorded: 0, standby: true });
      expect(await two.tick(clock.now())).toMatchObject({ due: 1, recorded: 1, failed: 0 });
      expect(await breachesOf(second)).toHaveLength(1);
      expect((await leases.listLeases()).map((lease) => [lease.name, lease.owner, lease.epoch])).toEqual([
        ['service.complaint-deadline-watcher', 'two', 2],
      ]);

      // A clean stop gives the lease up at once: a new process takes it on its first round.
      await two.stop();
      await receive(third);
      const three = await startWatcher({ store: leases, ttlMs: TTL, renewEveryMs: 20, owner: 'three' });
      expect(three.owns).toBe(true);
      await settled(three);
      clock.advance(DAY + SECOND);
      expect(await three.tick(clock.now())).toMatchObject({ due: 1, recorded: 1 });
      expect(await breachesOf(third)).toHaveLength(1);
      stalled = false;
    });
  });
});
