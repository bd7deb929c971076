import { derivedId, refusals } from '@crm/shared/kernel';
import type { Decider } from './decider';
import { DomainError, IdempotencyConflictError, StreamNotFoundError, WrongExpectedRevisionError } from './errors';
import { eventIdFor, handleCommand } from './handle-command';
import { verifyChain } from './hash-chain';
import { InMemoryEventStore } from './in-memory-event-store';
import { holdReads } from './testing/racing-reads';

type Account = { status: 'none' } | { status: 'open'; balance: number; deposits: number };
type AccountCommand =
  | { type: 'Open'; data: { owner: string } }
  | { type: 'Deposit'; data: { amount: number } }
  | { type: 'Touch'; data: Record<string, never> };
type AccountEvent = { type: 'Opened'; data: { owner: string } } | { type: 'Deposited'; data: { amount: number } };

const { BAD_AMOUNT } = refusals('ACCOUNT', { BAD_AMOUNT: [400, 'deposits are positive'] });

const account: Decider<Account, AccountCommand, AccountEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: (command) => {
    switch (command.type) {
      case 'Open':
        return [{ type: 'Opened', data: command.data }];
      case 'Deposit':
        if (command.data.amount <= 0) throw new DomainError(BAD_AMOUNT, 'deposits are positive', { fields: ['amount'] });
        return [{ type: 'Deposited', data: command.data }];
      case 'Touch':
        return [];
    }
  },
  evolve: (state, event) =>
    event.type === 'Opened'
      ? { status: 'open', balance: 0, deposits: 0 }
      : state.status === 'open'
        ? { ...state, balance: state.balance + event.data.amount, deposits: state.deposits + 1 }
        : state,
  isNew: (command) => command.type === 'Open',
  snapshot: { every: 5, version: 1 },
};

const open = { type: 'Open', data: { owner: 'مریم' } } as const;
const deposit = (amount: number) => ({ type: 'Deposit', data: { amount } }) as const;

describe('handleCommand', () => {
  let store: InMemoryEventStore;
  beforeEach(() => (store = new InMemoryEventStore()));

  it('loads, decides, appends at the loaded revision and stamps metadata', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const result = await handleCommand(store, account, 'account-1', open, {
      commandId: 'c-1',
      actor: { id: 'user-1', roles: ['sales'] },
      now,
    });
    expect(result).toMatchObject({ nextExpectedRevision: 0, duplicate: false, state: { status: 'open', balance: 0 } });
    const [event] = await store.readStream('account-1');
    expect(event?.metadata).toMatchObject({
      eventId: eventIdFor('c-1', 0),
      commandId: 'c-1',
      correlationId: 'c-1',
      causationId: 'c-1',
      actor: { id: 'user-1', roles: ['sales'] },
      tenantId: 'default',
      occurredAt: now.toISOString(),
      schemaVersion: 1,
    });
    expect(eventIdFor('c-1', 0)).toBe(derivedId('c-1', 0));
  });

  it('records the trace context it is given on every event, outside the hash chain', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await handleCommand(store, account, 'account-1', open, { commandId: 'c-1', traceparent });
    await handleCommand(store, account, 'account-1', deposit(3), { commandId: 'c-2' });
    const [opened, deposited] = await store.readStream('account-1');
    expect(opened?.metadata.traceparent).toBe(traceparent);
    expect(deposited?.metadata).not.toHaveProperty('traceparent');
    // Operational data: the chain verifies with or without it.
    const stripped = [opened!, deposited!].map(({ metadata: { traceparent: _t, ...metadata }, ...event }) => ({ ...event, metadata }));
    expect(verifyChain([opened!, deposited!])).toMatchObject({ ok: true });
    expect(verifyChain(stripped)).toMatchObject({ ok: true });
  });

  it('returns the first result for a retried command id, even once the state has moved on', async () => {
    await handleCommand(store, account, 'account-1', open);
    const first = await handleCommand(store, account, 'account-1', deposit(10), { commandId: 'dep-1' });
    await handleCommand(store, account, 'account-1', deposit(5));
    const again = await handleCommand(store, account, 'account-1', deposit(10), { commandId: 'dep-1', expectedRevision: 0 });
    expect(again).toMatchObject({ duplicate: true, nextExpectedRevision: first.nextExpectedRevision, position: first.position });
    expect(await store.streamRevision('account-1')).toBe(2);
  });

  it('answers a creation with its first result when its own earlier run commits between the look-up and the load', async () => {
    await handleCommand(store, account, 'account-1', open, { commandId: 'open-1' });
    const head = await store.headPosition();
    // The first look-up misses the run that a concurrent reactor is committing; the load then sees it.
    const racing = (missFirst: boolean) => {
      let missed = !missFirst;
      return new Proxy(store, {
        get: (target, property, receiver) =>
          property === 'findEvent' && !missed
            ? () => ((missed = true), Promise.resolve(undefined))
            : Reflect.get(target, property, receiver),
      });
    };
    expect(await handleCommand(racing(true), account, 'account-1', open, { commandId: 'open-1' })).toMatchObject({ duplicate: true });
    expect(await store.headPosition()).toBe(head);
    // A true refusal stays one.
    await expect(handleCommand(racing(false), account, 'account-1', open, { commandId: 'open-2' })).rejects.toMatchObject({
      code: 'STREAM.ALREADY_EXISTS',
    });
  });

  it('appends a creating command as the first events of its stream without reading the stream', async () => {
    const reads = jest.spyOn(store, 'readStream');
    const created = await handleCommand(store, account, 'account-1', open, { commandId: 'open-1' });
    expect(created).toMatchObject({ nextExpectedRevision: 0, duplicate: false, state: { status: 'open', balance: 0 } });
    expect(reads).not.toHaveBeenCalled();
    expect((await store.readStream('account-1')).map((event) => event.type)).toEqual(['Opened']);
    // On a stream that exists the guess writes nothing and the command is refused as before, after a read.
    const head = await store.headPosition();
    await expect(handleCommand(store, account, 'account-1', open, { commandId: 'open-2' })).rejects.toMatchObject({
      code: 'STREAM.ALREADY_EXISTS',
    });
    expect(reads).toHaveBeenCalled();
    expect(await store.headPosition()).toBe(head);
  });

  it('looks for an earlier run of a command id it is given, not of a new one', async () => {
    const lookups = jest.spyOn(store, 'findEvent');
    await handleCommand(store, account, 'account-1', open, { commandId: 'open-1' });
    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockClear();
    // Made here or marked new by the edge that made it: no run of it can be recorded.
    await handleCommand(store, account, 'account-1', deposit(2));
    await handleCommand(store, account, 'account-1', deposit(3), { commandId: 'fresh-1', newCommandId: true });
    expect(lookups).not.toHaveBeenCalled();
    expect((await store.readStream('account-1')).map((event) => event.type)).toEqual(['Opened', 'Deposited', 'Deposited']);
    // A retry names its id again without the mark: answered from the record, nothing appended.
    const head = await store.headPosition();
    await expect(handleCommand(store, account, 'account-1', deposit(3), { commandId: 'fresh-1' })).resolves.toMatchObject({
      duplicate: true,
    });
    expect(await store.headPosition()).toBe(head);
  });

  it('refuses a creation on an existing stream as "already exists" even when its data would be refused on an empty one', async () => {
    const strict: Decider<Account, AccountCommand, AccountEvent> = {
      ...account,
      decide: (command, state) => {
        if (command.type === 'Open' && command.data.owner === '')
          throw new DomainError(BAD_AMOUNT, 'an owner is needed', { fields: ['owner'] });
        return account.decide(command, state);
      },
    };
    await handleCommand(store, strict, 'account-1', open);
    await expect(handleCommand(store, strict, 'account-1', { type: 'Open', data: { owner: '' } })).rejects.toMatchObject({
      code: 'STREAM.ALREADY_EXISTS',
    });
    await expect(handleCommand(store, strict, 'account-2', { type: 'Open', data: { owner: '' } })).rejects.toMatchObject({
      code: 'ACCOUNT.BAD_AMOUNT',
    });
    expect(await store.streamRevision('account-2')).toBeUndefined();
  });

  it('reads first when the request names a revision (If-Match): no guess', async () => {
    const reads = jest.spyOn(store, 'readStream');
    await expect(handleCommand(store, account, 'account-1', open, { expectedRevision: 'no_stream' })).resolves.toMatchObject({
      nextExpectedRevision: 0,
    });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('refuses a command id reused on another stream or for another command', async () => {
    await handleCommand(store, account, 'account-1', open, { commandId: 'same' });
    await expect(handleCommand(store, account, 'account-2', open, { commandId: 'same' })).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(handleCommand(store, account, 'account-1', deposit(5), { commandId: 'same' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect(await store.streamRevision('account-1')).toBe(0);
  });

  it('refuses the second of two requests that reuse a command id and read the same revision (two processes)', async () => {
    await handleCommand(store, account, 'account-1', open);
    // Both runs look for an earlier run and load the stream before either appends, as two API processes can.
    const { realRead } = holdReads(store, false);
    const runs = await Promise.allSettled([
      handleCommand(store, account, 'account-1', deposit(10), { commandId: 'key-1', requestFingerprint: 'body-a' }),
      handleCommand(store, account, 'account-1', deposit(20), { commandId: 'key-1', requestFingerprint: 'body-b' }),
    ]);
    expect(runs.map((run) => run.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = runs.find((run): run is PromiseRejectedResult => run.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(IdempotencyConflictError);
    const deposits = (await realRead('account-1')).filter((event) => event.type === 'Deposited');
    expect(deposits).toHaveLength(1);
    const answered = runs.find((run) => run.status === 'fulfilled') as PromiseFulfilledResult<{ events: readonly unknown[] }>;
    expect(answered.value.events).toEqual([{ type: 'Deposited', data: deposits[0]?.data }]);
  });

  it('answers both of two runs of the same request that read the same revision with what was recorded', async () => {
    await handleCommand(store, account, 'account-1', open);
    const { realRead } = holdReads(store);
    const runs = await Promise.all([
      handleCommand(store, account, 'account-1', deposit(10), { commandId: 'key-2', requestFingerprint: 'body-a' }),
      handleCommand(store, account, 'account-1', deposit(10), { commandId: 'key-2', requestFingerprint: 'body-a' }),
    ]);
    expect(runs.map((run) => run.duplicate).sort()).toEqual([false, true]);
    expect(runs.map((run) => run.nextExpectedRevision)).toEqual([1, 1]);
    expect((await realRead('account-1')).filter((event) => event.type === 'Deposited')).toHaveLength(1);
  });

  it('answers a run whose stream refuses because its own twin committed since its look-up: the first reply, or 422', async () => {
    await handleCommand(store, account, 'account-1', open);
    const first = await handleCommand(store, account, 'account-1', deposit(10), {
      commandId: 'key-3',
      requestFingerprint: 'body-a',
      expectedRevision: 0,
    });
    // The twin looked for an earlier run just before the first one committed, then loaded the stream after it:
    // its If-Match ("0") no longer holds.
    const realFind = store.findEvent.bind(store);
    const lookUps = jest.spyOn(store, 'findEvent');
    const twin = (fingerprint: string) => {
      lookUps.mockImplementationOnce(async () => undefined);
      return handleCommand(store, account, 'account-1', deposit(10), {
        commandId: 'key-3',
        requestFingerprint: fingerprint,
        expectedRevision: 0,
      });
    };
    lookUps.mockImplementation(realFind);
    await expect(twin('body-a')).resolves.toMatchObject({ duplicate: true, nextExpectedRevision: first.nextExpectedRevision });
    await expect(twin('body-b')).rejects.toBeInstanceOf(IdempotencyConflictError);
    // A refusal with no twin behind it stays the refusal.
    lookUps.mockImplementationOnce(async () => undefined);
    await expect(
      handleCommand(store, account, 'account-1', deposit(10), { commandId: 'key-4', expectedRevision: 0 }),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await store.readStream('account-1')).filter((event) => event.type === 'Deposited')).toHaveLength(1);
  });

  it('appends nothing when the decider refuses or decides nothing', async () => {
    await handleCommand(store, account, 'account-1', open);
    await expect(handleCommand(store, account, 'account-1', deposit(-1))).rejects.toMatchObject({ code: 'ACCOUNT.BAD_AMOUNT' });
    const touched = await handleCommand(store, account, 'account-1', { type: 'Touch', data: {} });
    expect(touched).toMatchObject({ nextExpectedRevision: 0, events: [] });
    expect(await store.streamRevision('account-1')).toBe(0);
  });

  it('answers unknown aggregates and double creation through isNew', async () => {
    await expect(handleCommand(store, account, 'account-9', deposit(1))).rejects.toBeInstanceOf(StreamNotFoundError);
    await handleCommand(store, account, 'account-1', open);
    await expect(handleCommand(store, account, 'account-1', open)).rejects.toMatchObject({ code: 'STREAM.ALREADY_EXISTS' });
  });

  it('checks an explicit expected revision before deciding and never retries it', async () => {
    await handleCommand(store, account, 'account-1', open);
    await handleCommand(store, account, 'account-1', deposit(1), { expectedRevision: 0 });
    await expect(handleCommand(store, account, 'account-1', deposit(1), { expectedRevision: 0 })).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    expect(await store.streamRevision('account-1')).toBe(1);
  });

  it('snapshots every N events and loads only the tail after the snapshot', async () => {
    await handleCommand(store, account, 'account-1', open);
    for (let i = 1; i <= 12; i += 1) await handleCommand(store, account, 'account-1', deposit(i), { snapshots: store });
    expect(await store.readSnapshot('account-1')).toMatchObject({ revision: 9, version: 1, state: { deposits: 9, balance: 45 } });
    const reads: number[] = [];
    const original = store.readStream.bind(store);
    store.readStream = async (streamId, options) => {
      const events = await original(streamId, options);
      reads.push(events.length);
      return events;
    };
    const result = await handleCommand(store, account, 'account-1', deposit(100), { snapshots: store });
    expect(reads).toEqual([3]);
    expect(result.state).toEqual({ status: 'open', balance: 178, deposits: 13 });
    expect(verifyChain(await original('account-1')).ok).toBe(true);
  });

  it('ignores a snapshot written by another version of the decider', async () => {
    await handleCommand(store, account, 'account-1', open);
    await store.writeSnapshot({
      streamId: 'account-1',
      tenantId: 'default',
      revision: 0,
      version: 99,
      state: { status: 'open', balance: 1e9, deposits: 0 },
    });
    const result = await handleCommand(store, account, 'account-1', deposit(1), { snapshots: store });
    expect(result.state).toEqual({ status: 'open', balance: 1, deposits: 1 });
  });

  it('keeps tenants apart', async () => {
    await handleCommand(store, account, 'account-1', open, { tenantId: 'acme' });
    await expect(handleCommand(store, account, 'account-1', deposit(1))).rejects.toBeInstanceOf(StreamNotFoundError);
    expect((await handleCommand(store, account, 'account-1', deposit(1), { tenantId: 'acme' })).nextExpectedRevision).toBe(1);
  });
});
