import type { ListMemberType } from '@crm/marketing/domain';
import type { DataSubjectErased } from '@crm/privacy/domain';
import type { AccountEvent, AccountLinkRecorded, ContactEvent, LeadEvent, LeadSource, PurchaseRecorded } from '@crm/sales/domain';
import { defineProjection, type RecordedOf, tenantKey } from '@crm/shared/read-model';
import { compact } from '@crm/shared/kernel';

/**
 * One document per lead, account and contact holding exactly the attributes a
 * dynamic marketing list may select on (LIST_CRITERIA_FIELDS), so a list's
 * members are found by evaluating its criteria here, when asked.
 */
export interface LeadAudience {
  readonly tenantId: string;
  readonly memberType: 'lead';
  readonly memberId: string;
  readonly source: LeadSource;
  readonly status: 'open' | 'qualified' | 'disqualified';
  readonly ownerId?: string;
  readonly campaignId?: string;
  readonly company?: string;
}

export interface AccountAudience {
  readonly tenantId: string;
  readonly memberType: 'account';
  readonly memberId: string;
  readonly name: string;
  readonly status: 'active' | 'closed';
  readonly industry?: string;
  readonly ownerId?: string;
}

export interface ContactAudience {
  readonly tenantId: string;
  readonly memberType: 'contact';
  readonly memberId: string;
  readonly fullName: string;
  readonly accountId?: string;
  readonly preferredChannel?: string;
  /** Channels with consent granted now, sorted: what "marketing may only target contacts with consent" checks. */
  readonly consent: readonly string[];
  /** Erased (POST /data-subjects/erase): no consent stands, and none is taken after; marketing may address them no more. */
  readonly erased?: true;
}

export type AudienceDoc = LeadAudience | AccountAudience | ContactAudience;

type HandledEvent = LeadEvent | Exclude<AccountEvent, PurchaseRecorded | AccountLinkRecorded> | ContactEvent | DataSubjectErased;

export const audienceKey = (tenantId: string, memberType: ListMemberType, memberId: string): string =>
  tenantKey(tenantId, `${memberType}:${memberId}`);

const MEMBER_TYPES: readonly string[] = ['lead', 'contact', 'account'];

/**
 * The audience records an erasure takes: the person named and every lead, contact or account among the records it
 * erased (the contact a lead was qualified into, an account named after them), by their streams (`contact-{id}`).
 */
function erasedMembers(event: RecordedOf<DataSubjectErased>): string[] {
  const { subject, records } = event.data;
  const named = MEMBER_TYPES.includes(subject.type) ? [`${subject.type}-${subject.id}`] : [];
  const ids = [...named, ...records].flatMap((stream) => {
    const dash = stream.indexOf('-');
    const type = stream.slice(0, dash);
    return dash > 0 && MEMBER_TYPES.includes(type)
      ? [audienceKey(event.metadata.tenantId, type as ListMemberType, stream.slice(dash + 1))]
      : [];
  });
  return [...new Set(ids)];
}

function subject(event: RecordedOf<Exclude<HandledEvent, DataSubjectErased>>): [ListMemberType, string] {
  switch (event.type) {
    case 'LeadCaptured':
    case 'LeadUpdated':
    case 'LeadAssigned':
    case 'LeadQualified':
    case 'LeadDisqualified':
      return ['lead', event.data.leadId];
    case 'AccountOpened':
    case 'AccountUpdated':
    case 'AccountClosed':
    case 'AccountReopened':
      return ['account', event.data.accountId];
    default:
      return ['contact', event.data.contactId];
  }
}

const withConsent = (consent: readonly string[], channel: string, granted: boolean): string[] =>
  [...new Set([...consent.filter((c) => c !== channel), ...(granted ? [channel] : [])])].sort();

export const marketingAudience = defineProjection<AudienceDoc, HandledEvent>({
  name: 'marketing-audience',
  // 2: an erasure (DataSubjectErased) takes the person's consent away, so the campaigns no longer count them reachable.
  version: 2,
  collection: 'marketing_audience',
  eventTypes: [
    'LeadCaptured',
    'LeadUpdated',
    'LeadAssigned',
    'LeadQualified',
    'LeadDisqualified',
    'AccountOpened',
    'AccountUpdated',
    'AccountClosed',
    'AccountReopened',
    'ContactCreated',
    'ContactUpdated',
    'ContactLinkedToAccount',
    'ContactConsentGranted',
    'ContactConsentWithdrawn',
    'DataSubjectErased',
  ],
  indexes: [['tenantId', 'memberType']],
  documentId: (event) =>
    event.type === 'DataSubjectErased' ? erasedMembers(event) : audienceKey(event.metadata.tenantId, ...subject(event)),
  evolve(doc, event) {
    const tenantId = event.metadata.tenantId;
    switch (event.type) {
      case 'LeadCaptured': {
        const { leadId, source, ownerId, campaignId, company } = event.data;
        return { tenantId, memberType: 'lead', memberId: leadId, source, status: 'open', ...compact({ ownerId, campaignId, company }) };
      }
      case 'AccountOpened': {
        const { accountId, name, industry, ownerId } = event.data;
        return { tenantId, memberType: 'account', memberId: accountId, name, status: 'active', ...compact({ industry, ownerId }) };
      }
      case 'ContactCreated': {
        const { contactId, fullName, accountId, preferredChannel } = event.data;
        return { tenantId, memberType: 'contact', memberId: contactId, fullName, ...compact({ accountId, preferredChannel }), consent: [] };
      }
      default:
        // Every other event follows its record's creation on the same stream; without it there is nothing to select on.
        return doc === null ? null : evolveExisting(doc, event);
    }
  },
});

type LaterEvent = Exclude<RecordedOf<HandledEvent>, { type: 'LeadCaptured' | 'AccountOpened' | 'ContactCreated' }>;

function evolveExisting(doc: AudienceDoc, event: LaterEvent): AudienceDoc {
  switch (event.type) {
    case 'LeadUpdated':
      return doc.memberType === 'lead' && event.data.changes.company !== undefined ? { ...doc, company: event.data.changes.company } : doc;
    case 'LeadAssigned':
      return doc.memberType === 'lead' ? { ...doc, ownerId: event.data.ownerId } : doc;
    case 'LeadQualified':
      return doc.memberType === 'lead' ? { ...doc, status: 'qualified' } : doc;
    case 'LeadDisqualified':
      return doc.memberType === 'lead' ? { ...doc, status: 'disqualified' } : doc;
    case 'AccountUpdated': {
      const { name, industry, ownerId } = event.data.changes;
      return doc.memberType === 'account' ? { ...doc, ...compact({ name, industry, ownerId }) } : doc;
    }
    case 'AccountClosed':
      return doc.memberType === 'account' ? { ...doc, status: 'closed' } : doc;
    case 'AccountReopened':
      return doc.memberType === 'account' ? { ...doc, status: 'active' } : doc;
    case 'ContactUpdated': {
      const { fullName, preferredChannel } = event.data.changes;
      return doc.memberType === 'contact' ? { ...doc, ...compact({ fullName, preferredChannel }) } : doc;
    }
    case 'ContactLinkedToAccount':
      return doc.memberType === 'contact' ? { ...doc, accountId: event.data.accountId } : doc;
    case 'ContactConsentGranted':
    case 'ContactConsentWithdrawn': {
      if (doc.memberType !== 'contact' || doc.erased) return doc;
      return { ...doc, consent: withConsent(doc.consent, event.data.channel, event.type === 'ContactConsentGranted') };
    }
    case 'DataSubjectErased':
      return doc.memberType === 'contact' ? { ...doc, consent: [], erased: true } : doc;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
