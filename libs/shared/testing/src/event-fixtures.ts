import { derivedId, newId } from '@crm/shared/kernel';
import { ANONYMOUS, DEFAULT_TENANT, type EventToAppend } from '@crm/shared/event-sourcing';

let counter = 0;

/** An event ready to append, with fresh ids unless given. */
export function anEvent(
  type = 'TestHappened',
  data: Record<string, unknown> = {},
  overrides: Partial<EventToAppend['metadata']> = {},
): EventToAppend {
  counter += 1;
  const commandId = overrides.commandId ?? newId();
  return {
    type,
    data: { n: counter, ...data },
    metadata: {
      eventId: overrides.eventId ?? derivedId(commandId, counter),
      commandId,
      correlationId: overrides.correlationId ?? commandId,
      causationId: overrides.causationId ?? commandId,
      actor: overrides.actor ?? ANONYMOUS,
      tenantId: overrides.tenantId ?? DEFAULT_TENANT,
      occurredAt: overrides.occurredAt ?? '2026-01-01T08:30:00.000Z',
      schemaVersion: overrides.schemaVersion ?? 1,
    },
  };
}

export function someEvents(count: number, type = 'TestHappened', tenantId = DEFAULT_TENANT): EventToAppend[] {
  return Array.from({ length: count }, (_, i) => anEvent(type, { i }, { tenantId }));
}

/** A stream id unique to the test, so suites that share a database never collide. */
export function aStream(category = 'test'): string {
  return `${category}-${newId()}`;
}
