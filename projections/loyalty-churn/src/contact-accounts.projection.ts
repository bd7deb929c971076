import type { ContactCreated, ContactLinkedToAccount } from '@crm/sales/domain';
import { defineProjection } from '@crm/shared/read-model';
import { documentKey, LOYALTY_PROJECTION_NAMES, tenantOf, type ContactLinkDoc, tenantChangeMarker, stampChanges } from './documents';

/** Contact → account, so a complaint, feedback or survey answer from a contact counts for the contact's account. */
export const contactAccountsProjection = stampChanges(
  defineProjection<ContactLinkDoc, ContactCreated | ContactLinkedToAccount>({
    name: LOYALTY_PROJECTION_NAMES.contactLinks,
    version: 3,
    collection: 'loyalty_contact_accounts',
    readsPersonalData: false,
    eventTypes: ['ContactCreated', 'ContactLinkedToAccount'],
    indexes: [['tenantId', 'accountId']],
    summary: tenantChangeMarker,
    documentId: (event) => documentKey(event, event.data.contactId),
    evolve(doc, event) {
      const { contactId, accountId } = event.data;
      // A contact without an account has nothing to attribute; keep whatever link it has.
      if (accountId === undefined) return doc;
      return { tenantId: tenantOf(event), contactId, accountId };
    },
  }),
);
