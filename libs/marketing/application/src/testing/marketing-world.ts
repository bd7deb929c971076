import { ANONYMOUS, DEFAULT_TENANT, eventIdFor, InMemoryEventStore } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { ManualClock, newId } from '@crm/shared/kernel';
import type { ListMemberType } from '@crm/marketing/domain';

/** What the marketing handler specs run on: the in-memory store, a clock moved by hand, and the shared executor. */
export function marketingWorld(start = '2026-03-10T06:30:00.000Z') {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(start);
  const executor = new CommandExecutor(store, clock, store);
  const context = (commandId: string = newId()): CommandContext => ({ commandId, actor: ANONYMOUS, tenantId: DEFAULT_TENANT });
  const types = async (streamId: string) => (await store.readStream(streamId)).map((event) => event.type);
  const last = async (streamId: string) => (await store.readStream(streamId, { direction: 'backwards', maxCount: 1 }))[0];

  /** A lead, contact or account as the sales context would have recorded it; only its stream's existence matters here. */
  async function record(type: ListMemberType): Promise<string> {
    const id = newId();
    const commandId = newId();
    const metadata = {
      eventId: eventIdFor(commandId, 0),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: ANONYMOUS,
      tenantId: DEFAULT_TENANT,
      occurredAt: start,
      schemaVersion: 1,
    };
    await store.appendToStream(`${type}-${id}`, [{ type: `${type}Recorded`, data: { id }, metadata }]);
    return id;
  }

  return { store, clock, executor, context, types, last, record };
}

export type MarketingWorld = ReturnType<typeof marketingWorld>;
