import {
  CommandRecordedMeanwhileError,
  eventIdFor,
  IdempotencyConflictError,
  InMemoryEventStore,
  NO_OP_RECORDED,
  type Decider,
} from '@crm/shared/event-sourcing';
import { ManualClock, newId } from '@crm/shared/kernel';
import type { CommandContext } from './command-context';
import { CommandExecutor } from './command-executor';

type Desk = { assignee: string | undefined };
type Assign = { type: 'Assign'; data: { to: string } };
type Assigned = { type: 'Assigned'; data: { to: string } };

/** Assigning to whom it is assigned already decides nothing. */
const desk: Decider<Desk, Assign, Assigned> = {
  initialState: () => ({ assignee: undefined }),
  decide: (command, state) => (state.assignee === command.data.to ? [] : [{ type: 'Assigned', data: command.data }]),
  evolve: (_, event) => ({ assignee: event.data.to }),
};
const assign = (to: string): Assign => ({ type: 'Assign', data: { to } });
const actor = { id: 'svc', roles: ['service'] };

describe('CommandExecutor: which commands that decide nothing are remembered under their id', () => {
  let store: InMemoryEventStore;
  let executor: CommandExecutor;
  const request = (commandId: string, body: string): CommandContext => ({ commandId, actor, tenantId: 'default', fingerprint: body });

  beforeEach(async () => {
    store = new InMemoryEventStore();
    executor = new CommandExecutor(store, new ManualClock('2026-03-01T10:00:00Z'), undefined, Buffer.from('server-secret'));
    await executor.execute(desk, 'desk-1', assign('u1'), { commandId: newId(), actor, tenantId: 'default' });
  });

  it("records a request's no-op under the id its client gave: the key again with another body is 422", async () => {
    const key = newId();
    await executor.execute(desk, 'desk-1', assign('u1'), request(key, 'POST assign u1'));
    expect(await store.findEvent(eventIdFor(key, 0))).toMatchObject({ type: NO_OP_RECORDED, streamId: `command-${key}` });
    await expect(executor.execute(desk, 'desk-1', assign('u2'), request(key, 'POST assign u2'))).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect(await store.streamRevision('desk-1')).toBe(0);
  });

  it('records nothing for a request without a key, nor for a command id the server derived (a process, a watcher)', async () => {
    const head = await store.headPosition();
    const made = newId();
    await executor.execute(desk, 'desk-1', assign('u1'), { ...request(made, 'POST assign u1'), issuedCommandId: made });
    // No fingerprint: not a request's own command (an SLA breach under an id derived from its deadline, a reaction).
    await executor.execute(desk, 'desk-1', assign('u1'), { commandId: newId(), actor, tenantId: 'default' });
    expect(await store.headPosition()).toBe(head);
  });

  it('checks a found no-op record against the atomic command and the stream it is asked for (alreadyHandled)', async () => {
    const key = newId();
    await executor.execute(desk, 'desk-1', assign('u1'), request(key, 'POST assign u1'));
    const same = request(key, 'POST assign u1');
    await expect(executor.alreadyHandled(same, { commandType: 'Assign', streamId: 'desk-1' })).resolves.toBe(true);
    await expect(executor.alreadyHandled(same, { commandType: 'Assign', streamId: 'desk-2' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    await expect(executor.alreadyHandled(same, { commandType: 'Qualify', streamId: 'desk-1' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    await expect(executor.alreadyHandled(request(key, 'another body'))).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it("asks an atomic group to record the request's own no-op (commandOptions), and only for an id its client gave", async () => {
    const key = newId();
    const options = executor.commandOptions(request(key, 'POST assign u1'));
    expect(options.recordNoOp).toBe(true);
    const made = newId();
    expect(executor.commandOptions({ ...request(made, 'x'), issuedCommandId: made }).recordNoOp).toBeUndefined();
    const outcome = await executor.atomically('default', executor.now(), (tx) => tx.decide(desk, 'desk-1', assign('u1'), options));
    expect(outcome.streams.size).toBe(0);
    expect(await store.findEvent(eventIdFor(key, 0))).toMatchObject({ type: NO_OP_RECORDED, data: { streamId: 'desk-1', revision: 0 } });
    // A twin run of the same request that decided from the same revision: the record answers (the caller's `first`).
    await expect(
      executor.atomically('default', executor.now(), (tx) => tx.decide(desk, 'desk-1', assign('u1'), options)),
    ).rejects.toBeInstanceOf(CommandRecordedMeanwhileError);
    await expect(
      executor.orRecorded(request(key, 'POST assign u1'), new CommandRecordedMeanwhileError(key), async () => 'first'),
    ).resolves.toBe('first');
  });
});

describe("CommandExecutor: one process's commands on one stream take turns", () => {
  type Tally = { count: number };
  type Add = { type: 'Add'; data: { n: number } };
  type Added = { type: 'Added'; data: { n: number } };
  const tally: Decider<Tally, Add, Added> = {
    initialState: () => ({ count: 0 }),
    decide: (command) => [{ type: 'Added', data: command.data }],
    evolve: (state) => ({ count: state.count + 1 }),
  };
  const add = (n: number): Add => ({ type: 'Add', data: { n } });
  const fresh = (): CommandContext => ({ commandId: newId(), issuedCommandId: undefined, actor, tenantId: 'default' });

  it('decides a burst of 40 commands on one stream one after another: none is refused as a conflict', async () => {
    const store = new InMemoryEventStore();
    const executor = new CommandExecutor(store, new ManualClock('2026-03-01T10:00:00Z'));
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => executor.execute(tally, 'tally-1', add(i), fresh())));
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await store.streamRevision('tally-1')).toBe(39);
    // In the order they came.
    const events = await store.readStream('tally-1');
    expect(events.map((event) => (event.data as { n: number }).n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('does the same for atomic commands, and a command inside another takes no second turn (no deadlock)', async () => {
    const store = new InMemoryEventStore();
    const executor = new CommandExecutor(store, new ManualClock('2026-03-01T10:00:00Z'));
    const atomic = (i: number) => {
      const context = fresh();
      return executor.handleAtomic(
        'Add',
        'tally-2',
        context,
        async () => {
          await executor.atomically('default', executor.now(), (tx) =>
            tx.decide(tally, 'tally-2', add(i), { commandId: context.commandId }),
          );
          // The same stream again, and another, from inside the turn.
          await executor.execute(tally, 'tally-2', add(1000 + i), fresh());
          return executor.execute(tally, `tally-3`, add(i), fresh());
        },
        () => Promise.reject(new Error('not a retry')),
      );
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => atomic(i)));
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await store.streamRevision('tally-2')).toBe(39);
    expect(await store.streamRevision('tally-3')).toBe(19);
  });
});
