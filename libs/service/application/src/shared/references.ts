import { requireReference, streamIdOf, type EventStore } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import type { Party, RelatedTo } from '@crm/service/domain';

/**
 * The records a complaint, feedback or survey response names must exist, by
 * the one rule for references (404 with the record's own NOT_FOUND code,
 * naming the field), checked before anything is recorded.
 */
export async function requireReferences(
  store: EventStore,
  tenantId: string,
  refs: {
    readonly party?: { readonly field: string; readonly value: Party };
    readonly relatedTo?: RelatedTo;
    readonly campaignId?: string;
  },
): Promise<void> {
  const { party, relatedTo, campaignId } = refs;
  if (party && 'contactId' in party.value) {
    const id = party.value.contactId;
    await requireReference(store, streamIdOf('contact', id), tenantId, NOT_FOUND.contact, id, `${party.field}.contactId`);
  }
  if (party && 'accountId' in party.value) {
    const id = party.value.accountId;
    await requireReference(store, streamIdOf('account', id), tenantId, NOT_FOUND.account, id, `${party.field}.accountId`);
  }
  if (relatedTo) {
    await requireReference(
      store,
      streamIdOf(relatedTo.type, relatedTo.id),
      tenantId,
      NOT_FOUND[relatedTo.type],
      relatedTo.id,
      'relatedTo.id',
    );
  }
  if (campaignId) await requireReference(store, streamIdOf('campaign', campaignId), tenantId, NOT_FOUND.campaign, campaignId, 'campaignId');
}
