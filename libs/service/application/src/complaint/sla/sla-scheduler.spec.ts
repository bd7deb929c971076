import { Logger } from '@nestjs/common';
import { InMemoryEventStore, streamIdOf } from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import { ManualClock, newId } from '@crm/shared/kernel';
import { createComplaintDecider, DEFAULT_SLA_POLICY } from '@crm/service/domain';
import { ComplaintDeadlineWatcher } from './complaint-deadline-watcher';
import { InMemoryOpenDeadlines } from './open-deadlines.read-model';
import { SlaScheduler } from './sla-scheduler';

const T0 = '2025-03-01T06:30:00.000Z';

describe('SLA scheduler', () => {
  const decider = createComplaintDecider();
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));

  async function setUp(slaCheckIntervalMs: number) {
    const store = new InMemoryEventStore();
    const clock = new ManualClock(T0);
    const executor = new CommandExecutor(store, clock);
    const watcher = new ComplaintDeadlineWatcher(executor, decider, new InMemoryOpenDeadlines());
    const scheduler = new SlaScheduler(watcher, clock, { slaPolicy: DEFAULT_SLA_POLICY, slaCheckIntervalMs });
    const id = newId();
    const streamId = streamIdOf('complaint', id);
    await executor.execute(
      decider,
      streamId,
      {
        type: 'ReceiveComplaint',
        data: { complaintId: id, complainant: { name: 'رضا' }, channel: 'web', category: 'ارسال', description: 'دیر رسید', receivedAt: T0 },
      },
      { commandId: newId(), actor: { id: 'agent-1', roles: [] }, tenantId: 'default' },
    );
    // Well past both deadlines of the provisional (medium) policy.
    clock.set('2025-03-09T00:00:00.000Z');
    const breaches = async () => (await store.readStream(streamId)).filter((e) => e.type === 'ComplaintSlaBreached').length;
    return { scheduler, breaches, watcher };
  }

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('ticks on its interval from bootstrap until the module is destroyed', async () => {
    const { scheduler, breaches } = await setUp(10);
    await scheduler.onApplicationBootstrap();
    for (let tries = 0; tries < 200 && (await breaches()) < 2; tries += 1) await wait(10);
    expect(await breaches()).toBe(2);
    await scheduler.onModuleDestroy();
    await wait(50);
    expect(await breaches()).toBe(2);
  });

  it('never ticks on its own with an interval of 0, and does not start the watcher (which would take its lease)', async () => {
    const { scheduler, breaches, watcher } = await setUp(0);
    const start = jest.spyOn(watcher, 'start');
    await scheduler.onApplicationBootstrap();
    await wait(50);
    expect(await breaches()).toBe(0);
    expect(start).not.toHaveBeenCalled();
    await scheduler.onModuleDestroy();
  });
});
