import type { ContactCreated, ContactLinkedToAccount } from '@crm/sales/domain';
import { defineProjection } from '@crm/shared/read-model';
import {
  documentKey,
  LOYALTY_PROJECTION_NAMES,
  tenantOf,
  utc,
  type ContactLinkDoc,
  type LinkSpan,
  tenantChangeMarker,
  stampChanges,
} from './documents';

const spansOf = (doc: ContactLinkDoc): readonly LinkSpan[] => doc.spans ?? [{}];

/**
 * When a move recorded at `linkedAt` takes effect: then, or where the link it ends began if that is later (a clock
 * set back), so the contact's spans never overlap and never run backwards.
 */
function moveInstant(left: ContactLinkDoc | null, linkedAt: string): string {
  const open = left === null ? undefined : spansOf(left).find((span) => span.to === undefined);
  return open?.from !== undefined && open.from > linkedAt ? open.from : linkedAt;
}

/**
 * Contact → account, so a complaint, feedback or survey answer from a contact counts for the contact's account; one
 * document per contact and account, with the spans of time the contact belonged to it (v4: before, only the latest
 * link was kept, and a move took the contact's past interactions with it as of any date). A contact's first account
 * holds from ever (no other account had it) until a move is recorded (`ContactLinkedToAccount` naming the account
 * left); the account moved to holds from that moment.
 */
export const contactAccountsProjection = stampChanges(
  defineProjection<ContactLinkDoc, ContactCreated | ContactLinkedToAccount>({
    name: LOYALTY_PROJECTION_NAMES.contactLinks,
    version: 4,
    collection: 'loyalty_contact_accounts',
    readsPersonalData: false,
    eventTypes: ['ContactCreated', 'ContactLinkedToAccount'],
    indexes: [['tenantId', 'accountId']],
    summary: tenantChangeMarker,
    documentId: (event) => {
      const { contactId, accountId } = event.data;
      // A contact without an account has nothing to attribute.
      if (accountId === undefined) return undefined;
      const left = event.type === 'ContactLinkedToAccount' ? event.data.previousAccountId : undefined;
      return left === undefined || left === accountId
        ? documentKey(event, contactId, accountId)
        : [documentKey(event, contactId, accountId), documentKey(event, contactId, left)];
    },
    evolve(doc, event, id, peer) {
      const { contactId, accountId } = event.data;
      if (accountId === undefined) return doc;
      const tenantId = tenantOf(event);
      if (event.type === 'ContactCreated') return doc ?? { tenantId, contactId, accountId };
      const linkedAt = utc(event.data.linkedAt);
      const leftId =
        event.data.previousAccountId === undefined || event.data.previousAccountId === accountId
          ? undefined
          : documentKey(event, contactId, event.data.previousAccountId);
      if (id === leftId) {
        // The account left: its open span ends at the move.
        if (doc === null) return null;
        const at = moveInstant(doc, linkedAt);
        return { ...doc, spans: spansOf(doc).map((span) => (span.to === undefined ? { ...span, to: at } : span)) };
      }
      const left = leftId === undefined || peer === undefined ? null : peer(leftId);
      if (left === null) {
        // A first link (or a link naming no account we know of): the contact's only account, from ever.
        if (doc === null) return { tenantId, contactId, accountId };
        return spansOf(doc).some((span) => span.to === undefined) ? doc : { ...doc, spans: [...spansOf(doc), { from: linkedAt }] };
      }
      const span: LinkSpan = { from: moveInstant(left, linkedAt) };
      return { tenantId, contactId, accountId, spans: [...(doc === null ? [] : spansOf(doc)), span] };
    },
  }),
);
