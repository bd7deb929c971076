import type { Decider } from './decider';
import { CommandRecordedMeanwhileError, IdempotencyConflictError } from './errors';
import { runAtomically } from './atomic-commands';
import { eventIdFor, handleCommand, NO_OP_RECORDED, noOpRecordStream } from './handle-command';
import { verifyChain } from './hash-chain';
import { InMemoryEventStore } from './in-memory-event-store';
import { holdReads } from './testing/racing-reads';

type Desk = { status: 'none' } | { status: 'open'; assignee: string | undefined };
type DeskCommand = { type: 'Open'; data: Record<string, never> } | { type: 'Assign'; data: { to: string } };
type DeskEvent = { type: 'Opened'; data: Record<string, never> } | { type: 'Assigned'; data: { to: string } };

/** A desk assigned to the person it is assigned to already decides nothing: a no-op, not a refusal. */
const desk: Decider<Desk, DeskCommand, DeskEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: (command, state) => {
    if (command.type === 'Open') return [{ type: 'Opened', data: {} }];
    return state.status === 'open' && state.assignee === command.data.to ? [] : [{ type: 'Assigned', data: command.data }];
  },
  evolve: (state, event) =>
    event.type === 'Opened' ? { status: 'open', assignee: undefined } : { status: 'open', assignee: event.data.to },
  isNew: (command) => command.type === 'Open',
};

const assign = (to: string): DeskCommand => ({ type: 'Assign', data: { to } });
const STREAM = 'desk-1';

describe('handleCommand: a command that decides nothing under a command id its caller gave', () => {
  let store: InMemoryEventStore;
  const assignees = async () =>
    (await store.readStream(STREAM)).filter((e) => e.type === 'Assigned').map((e) => (e.data as { to: string }).to);

  beforeEach(async () => {
    store = new InMemoryEventStore();
    await handleCommand(store, desk, STREAM, { type: 'Open', data: {} });
    await handleCommand(store, desk, STREAM, assign('u1'));
  });

  it('refuses the same id with another request afterwards (422), appending nothing to the record', async () => {
    const first = await handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-a', requestFingerprint: 'assign-u1' });
    expect(first).toMatchObject({ nextExpectedRevision: 1, events: [], duplicate: false });
    // Another body under the same key: refused, never run.
    await expect(
      handleCommand(store, desk, STREAM, assign('u2'), { commandId: 'key-a', requestFingerprint: 'assign-u2' }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    // Another command, or another stream, under the same key: refused too.
    await expect(handleCommand(store, desk, STREAM, { type: 'Open', data: {} }, { commandId: 'key-a' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    await expect(handleCommand(store, desk, 'desk-2', assign('u1'), { commandId: 'key-a' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect(await assignees()).toEqual(['u1']);
    expect(await store.streamRevision(STREAM)).toBe(1);
  });

  it('answers the same request again with the first reply after the record moved on, appending nothing', async () => {
    const first = await handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-b', requestFingerprint: 'assign-u1' });
    await handleCommand(store, desk, STREAM, assign('u2'));
    const head = await store.headPosition();
    const again = await handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-b', requestFingerprint: 'assign-u1' });
    expect(again).toMatchObject({
      duplicate: true,
      events: [],
      nextExpectedRevision: first.nextExpectedRevision,
      position: first.position,
      state: { status: 'open', assignee: 'u2' },
    });
    expect(await store.headPosition()).toBe(head);
    expect(await assignees()).toEqual(['u1', 'u2']);
  });

  it('keeps the outcome in an internal stream of its own: the aggregate, its revision and position, and the usual envelope', async () => {
    const actor = { id: 'svc', roles: ['service'], onBehalfOf: 'agent-7' };
    const first = await handleCommand(store, desk, STREAM, assign('u1'), {
      commandId: 'key-c',
      requestFingerprint: 'assign-u1',
      actor,
      tenantId: 'default',
    });
    const [marker, ...more] = await store.readStream(noOpRecordStream('key-c'));
    expect(more).toEqual([]);
    expect(marker).toMatchObject({
      streamId: 'command-key-c',
      type: NO_OP_RECORDED,
      revision: 0,
      data: { streamId: STREAM, revision: 1, position: first.position },
      metadata: { eventId: eventIdFor('key-c', 0), commandId: 'key-c', commandType: 'Assign', requestFingerprint: 'assign-u1', actor },
    });
    expect(verifyChain([marker!]).ok).toBe(true);
    // The aggregate's own stream is untouched.
    expect(await store.streamRevision(STREAM)).toBe(1);
  });

  it('answers two concurrent runs of the same no-op under one id alike, with one record', async () => {
    const reads = holdReads(store);
    const runs = await Promise.all([
      handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-d', requestFingerprint: 'assign-u1' }),
      handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-d', requestFingerprint: 'assign-u1' }),
    ]);
    reads.restore();
    expect(runs.map((run) => [run.nextExpectedRevision, run.position, run.events])).toEqual([
      [1, runs[0]?.position, []],
      [1, runs[0]?.position, []],
    ]);
    expect(runs.map((run) => run.duplicate).sort()).toEqual([false, true]);
    expect(await store.readStream(noOpRecordStream('key-d'))).toHaveLength(1);
  });

  it('refuses the second of two concurrent no-ops that reuse one id with different requests', async () => {
    const reads = holdReads(store);
    const runs = await Promise.allSettled([
      handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-e', requestFingerprint: 'body-a' }),
      handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-e', requestFingerprint: 'body-b' }),
    ]);
    reads.restore();
    expect(runs.map((run) => run.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((runs.find((run) => run.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyConflictError);
  });

  it('answers a run that decided events with the no-op its twin recorded first under the same id', async () => {
    // The twin decided nothing and recorded that; this run looked before, and saw the record moved (u2) when it loaded.
    await handleCommand(store, desk, STREAM, assign('u2'));
    const realFind = store.findEvent.bind(store);
    const finds = jest.spyOn(store, 'findEvent').mockImplementationOnce(async () => undefined);
    await store.appendToStream(noOpRecordStream('key-f'), [
      {
        type: NO_OP_RECORDED,
        data: { streamId: STREAM, revision: 1 },
        metadata: {
          eventId: eventIdFor('key-f', 0),
          commandId: 'key-f',
          correlationId: 'key-f',
          causationId: 'key-f',
          actor: { id: 'anonymous', roles: [] },
          tenantId: 'default',
          occurredAt: new Date().toISOString(),
          schemaVersion: 1,
          commandType: 'Assign',
          requestFingerprint: 'assign-u1',
        },
      },
    ]);
    finds.mockImplementation(realFind);
    const run = await handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-f', requestFingerprint: 'assign-u1' });
    expect(run).toMatchObject({ duplicate: true, events: [], nextExpectedRevision: 1 });
    expect(await assignees()).toEqual(['u1', 'u2']);
  });

  it('records nothing for a no-op whose id the caller did not give (none, or one the edge just made)', async () => {
    const head = await store.headPosition();
    await handleCommand(store, desk, STREAM, assign('u1'));
    await handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'made-1', newCommandId: true });
    await handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'asked-not-to', recordNoOp: false });
    expect(await store.headPosition()).toBe(head);
    expect(await store.findEvent(eventIdFor('made-1', 0))).toBeUndefined();
  });

  it('costs nothing more for a command that appends events', async () => {
    const appends = jest.spyOn(store, 'appendToStream');
    const finds = jest.spyOn(store, 'findEvent');
    await handleCommand(store, desk, STREAM, assign('u3'), { commandId: 'key-g', requestFingerprint: 'assign-u3' });
    expect(appends.mock.calls.map(([streamId]) => streamId)).toEqual([STREAM]);
    expect(finds).toHaveBeenCalledTimes(1);
  });
});

describe('runAtomically: the request command of a group that decides nothing', () => {
  let store: InMemoryEventStore;
  const now = new Date('2026-03-01T10:00:00Z');
  const run = (to: string, commandId: string, requestFingerprint: string, recordNoOp = true) =>
    runAtomically(store, { tenantId: 'default', now }, (tx) =>
      tx.decide(desk, STREAM, assign(to), { commandId, requestFingerprint, recordNoOp }),
    );

  beforeEach(async () => {
    store = new InMemoryEventStore();
    await handleCommand(store, desk, STREAM, { type: 'Open', data: {} });
    await handleCommand(store, desk, STREAM, assign('u1'));
  });

  it('records the no-op when asked, so the id found again answers it (or refuses another request)', async () => {
    const outcome = await run('u1', 'key-h', 'assign-u1');
    // The aggregate is untouched and the outcome names no stream written.
    expect(outcome).toMatchObject({ streams: new Map(), position: undefined, value: { events: [], read: { revision: 1 } } });
    const marker = await store.findEvent(eventIdFor('key-h', 0));
    expect(marker).toMatchObject({ type: NO_OP_RECORDED, data: { streamId: STREAM, revision: 1 } });
    await handleCommand(store, desk, STREAM, assign('u2'));
    await expect(
      handleCommand(store, desk, STREAM, assign('u1'), { commandId: 'key-h', requestFingerprint: 'assign-u1' }),
    ).resolves.toMatchObject({ duplicate: true, nextExpectedRevision: 1, events: [] });
    await expect(
      handleCommand(store, desk, STREAM, assign('u3'), { commandId: 'key-h', requestFingerprint: 'assign-u3' }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('leaves a twin run that recorded the same no-op first to answer (CommandRecordedMeanwhileError), with one record', async () => {
    const reads = holdReads(store);
    const runs = await Promise.allSettled([run('u1', 'key-i', 'assign-u1'), run('u1', 'key-i', 'assign-u1')]);
    reads.restore();
    expect(runs.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((runs.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(CommandRecordedMeanwhileError);
    expect(await store.readStream(noOpRecordStream('key-i'))).toHaveLength(1);
    // A later run of another request under the id: refused when it would append (the record is found by its id).
    await handleCommand(store, desk, STREAM, assign('u2'));
    await expect(run('u1', 'key-i', 'assign-u1-other-body')).rejects.toBeInstanceOf(CommandRecordedMeanwhileError);
  });

  it('records nothing unless asked (the group’s derived commands)', async () => {
    const head = await store.headPosition();
    await run('u1', 'derived-1', 'x', false);
    expect(await store.headPosition()).toBe(head);
  });
});
