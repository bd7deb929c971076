import { DomainError, streamIdOf, type EventStore } from '@crm/shared/event-sourcing';
import type { CustomerRef, Regarding } from '@crm/activities/domain';
import { isUuid, NOT_FOUND, type RecordCategory } from '@crm/shared/kernel';

/** Stream ids of the activities aggregates, `{category}-{id}` as API.md names them. */
export const activityStream = (activityId: string): string => streamIdOf('activity', activityId);
export const interactionStream = (interactionId: string): string => streamIdOf('interaction', interactionId);

/**
 * The record an activity or interaction is about must exist: its stream is `{type}-{id}`
 * (regarding types are stream categories). Unknown, it is refused as every reference is,
 * checked before anything is recorded. Answers whose quote or complaint it is (`customerOf`),
 * read from the same first event that shows it exists.
 */
export async function requireRegarding(store: EventStore, regarding: Regarding, tenantId: string): Promise<CustomerRef | undefined> {
  if (regarding.type !== 'quote' && regarding.type !== 'complaint') {
    await requireReference(store, regarding.type, regarding.id, tenantId, 'regarding.id');
    return undefined;
  }
  const [first] = await store.readStream(streamIdOf(regarding.type, regarding.id), { tenantId, maxCount: 1 });
  if (first === undefined) throw notFound(regarding.type, regarding.id, 'regarding.id');
  return customerOf(regarding.type, first.data);
}

/** The one rule for references (docs/contract.md): an unknown record is 404 with its own NOT_FOUND code, naming the field. */
export async function requireReference(
  store: EventStore,
  category: RecordCategory,
  id: string,
  tenantId: string,
  field: string,
): Promise<void> {
  if ((await store.streamRevision(streamIdOf(category, id), { tenantId })) === undefined) throw notFound(category, id, field);
}

const notFound = (category: RecordCategory, id: string, field: string) =>
  new DomainError(NOT_FOUND[category], `${category} ${id} does not exist`, { fields: [field], id });

/**
 * Whose quote or complaint an interaction is about (`CustomerRef`), from the record's first event: a quote's deal (the
 * loyalty views know its account), a complaint's complainant on file (an account or a contact; someone known by name
 * alone is no customer record). Any other record names its customer itself (an account, a contact, a deal) or has none
 * (a lead, a campaign).
 */
function customerOf(type: 'quote' | 'complaint', first: unknown): CustomerRef | undefined {
  const data = (first ?? {}) as { opportunityId?: unknown; complainant?: { accountId?: unknown; contactId?: unknown } };
  const id = (value: unknown): value is string => typeof value === 'string' && isUuid(value);
  if (type === 'quote') return id(data.opportunityId) ? { opportunityId: data.opportunityId } : undefined;
  const party = data.complainant;
  if (id(party?.accountId)) return { accountId: party.accountId };
  if (id(party?.contactId)) return { contactId: party.contactId };
  return undefined;
}
