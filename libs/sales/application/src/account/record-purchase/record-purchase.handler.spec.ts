import { randomBytes } from 'node:crypto';
import { accountDecider } from '@crm/sales/domain';
import { ANONYMOUS, DEFAULT_TENANT, InMemoryEventStore, type EventStore, type EventToAppend } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { ManualClock, newId } from '@crm/shared/kernel';
import { accountStream } from '../../common/streams';
import { RecordPurchaseCommand } from './record-purchase.command';
import { RecordPurchaseHandler } from './record-purchase.handler';

/**
 * A purchase is recorded under its externalRef's id, and the client's Idempotency-Key then records its answer: two
 * different purchases sent under one key at the same instant both get past the key's look-up, and only one can hold
 * the key. The other one is recorded already; it must not then be answered 422 (a refusal leaves nothing behind).
 */
describe('RecordPurchaseHandler under an Idempotency-Key another request took meanwhile', () => {
  it('answers the purchase it recorded (200), not 422, and the key keeps the other request’s answer', async () => {
    const store = new InMemoryEventStore();
    const clock = new ManualClock('2026-01-10T09:00:00.000Z');
    const fingerprintKey = randomBytes(32);
    const accountId = newId();
    const plain = new CommandExecutor(store, clock, store);
    await plain.execute(
      accountDecider,
      accountStream(accountId),
      { type: 'OpenAccount', data: { accountId, name: 'شرکت فولاد', openedAt: '2026-01-10T08:00:00Z' } },
      { commandId: newId(), actor: ANONYMOUS, tenantId: DEFAULT_TENANT },
    );
    const keyId = newId();
    const context = (fingerprint: string): CommandContext => ({
      commandId: keyId,
      actor: ANONYMOUS,
      tenantId: DEFAULT_TENANT,
      fingerprint,
    });
    const purchase = (externalRef: string) => ({
      amount: { amount: 1_000, currency: 'IRR' },
      occurredAt: '2026-01-09T08:00:00+03:30',
      externalRef,
    });
    // The twin: once this run's purchase is written, another request under the same key records its own purchase and the key.
    let twinRan = false;
    const racing: EventStore = Object.create(store, {
      appendToStream: {
        value: async (streamId: string, events: readonly EventToAppend[], options?: Parameters<EventStore['appendToStream']>[2]) => {
          const written = await store.appendToStream(streamId, events, options);
          if (!twinRan && events[0]?.type === 'PurchaseRecorded') {
            twinRan = true;
            const twin = new RecordPurchaseHandler(new CommandExecutor(store, clock, store, fingerprintKey));
            await twin.execute(new RecordPurchaseCommand(accountId, purchase('INV-B'), context('body B')));
          }
          return written;
        },
      },
    }) as EventStore;
    const handler = new RecordPurchaseHandler(new CommandExecutor(racing, clock, store, fingerprintKey));

    const reply = await handler.execute(new RecordPurchaseCommand(accountId, purchase('INV-A'), context('body A')));
    expect(twinRan).toBe(true);
    expect(reply).toMatchObject({ id: accountId, externalRef: 'INV-A' });
    const refs = (await store.readStream(accountStream(accountId))).flatMap((e) =>
      e.type === 'PurchaseRecorded' ? [e.data['externalRef']] : [],
    );
    expect(refs).toEqual(['INV-A', 'INV-B']);
    // The key answers for the request that recorded it first: B again gets its reply, A again is another request (422).
    const keyed = new RecordPurchaseHandler(new CommandExecutor(store, clock, store, fingerprintKey));
    await expect(keyed.execute(new RecordPurchaseCommand(accountId, purchase('INV-B'), context('body B')))).resolves.toMatchObject({
      externalRef: 'INV-B',
    });
    await expect(keyed.execute(new RecordPurchaseCommand(accountId, purchase('INV-A'), context('body A')))).rejects.toMatchObject({
      name: 'IdempotencyConflictError',
    });
  });
});
