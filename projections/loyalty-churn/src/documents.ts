import type { Event, RecordedEvent } from '@crm/shared/event-sourcing';
import { summaryShardId, type Projection, type SummaryCell } from '@crm/shared/read-model';
import type { Money } from '@crm/shared/kernel';

/** Projection names; the API waits on each of them for read-your-writes. */
export const LOYALTY_PROJECTION_NAMES = {
  activity: 'loyalty-customer-activity',
  wonDeals: 'loyalty-won-deals',
  interactions: 'loyalty-customer-interactions',
  contactLinks: 'loyalty-contact-accounts',
  opportunityLinks: 'loyalty-opportunity-accounts',
} as const;

export interface Closure {
  readonly closedAt: string;
  /** Absent for an account closed after its personal data was erased (no reason can be recorded then). */
  readonly reason?: string;
  readonly reopenedAt?: string;
}

export interface PurchaseEntry {
  readonly purchaseId: string;
  readonly amount: Money;
  /** UTC ISO instant, so entries sort and compare as strings. */
  readonly occurredAt: string;
}

/** One account: what churn and RFM need from the sales side. */
export interface CustomerActivityDoc {
  /** `sortablePosition` of the event that last changed the document (`stamped`). */
  readonly lastPosition?: string;
  readonly tenantId: string;
  readonly accountId: string;
  readonly name: string;
  readonly openedAt: string;
  readonly status: 'open' | 'closed';
  /** Every closing with its reopening, so churn as of any date sees the account as it was then. */
  readonly closures: readonly Closure[];
  /** Ordered by occurredAt, then purchaseId: RFM windows need dates and amounts, not just totals. */
  readonly purchases: readonly PurchaseEntry[];
  readonly firstPurchaseAt?: string;
  readonly lastPurchaseAt?: string;
}

/** One stretch in which a deal stood won: from its win to the reopening that ended it, if any. */
export interface WonStretch {
  readonly amount: Money;
  readonly wonAt: string;
  readonly reopenedAt?: string;
}

/**
 * One won deal: OpportunityReopened names no account, so deals keep their own documents. The top-level amount,
 * wonAt and reopenedAt are its latest win; a deal won, reopened and won again keeps the wins before in
 * `earlierWins`, so a figure as of any instant sees the win that stood then (`wonStretches`).
 */
export interface WonDealDoc {
  /** `sortablePosition` of the event that last changed the document (`stamped`). */
  readonly lastPosition?: string;
  readonly tenantId: string;
  readonly opportunityId: string;
  readonly accountId: string;
  readonly amount: Money;
  readonly wonAt: string;
  /** Set while the deal is reopened: it no longer counts from then on. */
  readonly reopenedAt?: string;
  /** The wins before the latest, oldest first, each ended by its reopening (absent: won once). */
  readonly earlierWins?: readonly WonStretch[];
}

/** Every stretch the deal stood won, oldest first; they do not overlap (each ended by a reopening before the next win). */
export const wonStretches = (deal: WonDealDoc): readonly WonStretch[] => [
  ...(deal.earlierWins ?? []),
  { amount: deal.amount, wonAt: deal.wonAt, ...(deal.reopenedAt === undefined ? {} : { reopenedAt: deal.reopenedAt }) },
];

export const INTERACTION_KINDS = ['complaint', 'feedback', 'survey', 'interaction', 'activity'] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

export interface OpenSpan {
  readonly from: string;
  readonly to?: string;
}

/**
 * One touch with a customer on file: a complaint, feedback or survey response
 * from an account or contact; an interaction logged regarding an account,
 * contact or opportunity, or a quote or complaint of one (its `customer`), that
 * came from the customer or was a conversation (inbound, or by phone or in
 * person); or a completed call or appointment regarding one (not a task, nor an
 * email, letter or SMS sent).
 * Exactly one of accountId, contactId, opportunityId is set; contacts and
 * opportunities are attributed to their account at query time.
 */
export interface CustomerInteractionDoc {
  /** `sortablePosition` of the event that last changed the document (`stamped`). */
  readonly lastPosition?: string;
  readonly tenantId: string;
  readonly kind: InteractionKind;
  /** The complaint, feedback, survey response, interaction or activity id. */
  readonly sourceId: string;
  readonly accountId?: string;
  readonly contactId?: string;
  readonly opportunityId?: string;
  /** When the customer reached us or we reached them (receipt, submission, response, occurrence, completion), UTC ISO. */
  readonly at: string;
  /** Interactions: the channel; activities: the activity type. */
  readonly channel?: string;
  /** Activities: which occurrence of a recurring series was completed. */
  readonly occurrence?: number;
  /** Complaints only: open from receipt to closing, and again from each reopening. */
  readonly openSpans?: readonly OpenSpan[];
  readonly surveyType?: string;
  /** Score-type surveys (CSAT, NPS, CES). */
  readonly score?: number;
}

/** A stretch of time [from, to) a contact belonged to an account; from absent: since ever, to absent: still. */
export interface LinkSpan {
  readonly from?: string;
  readonly to?: string;
}

/**
 * A contact and one account it belongs or belonged to (one document per contact and account); interactions of
 * a contact count for the account it belonged to as of asOf (docs/metrics.md, "Contacts that move"). `spans`:
 * when (UTC ISO); absent: at every time (the contact's only account so far).
 */
export interface ContactLinkDoc {
  /** `sortablePosition` of the event that last changed the document (`stamped`). */
  readonly lastPosition?: string;
  readonly tenantId: string;
  readonly contactId: string;
  readonly accountId: string;
  readonly spans?: readonly LinkSpan[];
}

/** Whether the contact belonged to the link's account at `at` (ms). */
export const linkStandsAt = (link: ContactLinkDoc, at: number): boolean =>
  link.spans === undefined ||
  link.spans.some(
    (span) => (span.from === undefined || Date.parse(span.from) <= at) && (span.to === undefined || at < Date.parse(span.to)),
  );

/** The account an opportunity is for; activities regarding a deal count for its account. */
export interface OpportunityLinkDoc {
  /** `sortablePosition` of the event that last changed the document (`stamped`). */
  readonly lastPosition?: string;
  readonly tenantId: string;
  readonly opportunityId: string;
  readonly accountId: string;
}

export const tenantOf = (event: RecordedEvent): string => event.metadata.tenantId;

export const documentKey = (event: RecordedEvent, ...parts: string[]): string => [tenantOf(event), ...parts].join(':');

/** Offsets like +03:30 do not sort as strings; stored instants are UTC ISO. */
export function utc(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${instant}`);
  return new Date(ms).toISOString();
}

/** The id of a tenant's change marker in each loyalty collection (a summary document: it carries no tenantId). */
export const changeMarkerId = (tenantId: string): string => summaryShardId(`${tenantId}:~summary`, tenantId);

const ONE: readonly SummaryCell[] = [{ dims: {}, values: { count: 1 } }];

/**
 * Every loyalty projection keeps, as its summary, a count of each tenant's documents. The fold rewrites it, with
 * the event's position, in the same transaction as any change to one of the tenant's documents: its position says
 * when that tenant's documents last changed, which is what a population kept by the views is checked against
 * (another tenant's writes, and events that change nothing, leave it alone).
 */
export const tenantChangeMarker = {
  documentId: (event: RecordedEvent): string => changeMarkerId(tenantOf(event)),
  cells: (): readonly SummaryCell[] => ONE,
};

/**
 * An event store position as a string that sorts as the positions do, so "documents changed since P" is an index
 * range: every run of digits is padded to 20 (positions are one or two unsigned 64-bit decimals — `7`, `xid/pos`,
 * `commit:prepare` — canonical, and all of one store have the same shape).
 */
export const sortablePosition = (position: string): string => position.replace(/\d+/g, (digits) => digits.padStart(20, '0'));

/**
 * The projection with each document its fold changes stamped with the event's `sortablePosition` (`lastPosition`,
 * indexed with the tenant), so a kept population finds the documents changed since it was built without reading the
 * others. A document handed back as it was stays as it was (and is not written).
 */
export function stampChanges<Doc extends { readonly lastPosition?: string }, E extends Event>(
  projection: Projection<Doc, E>,
): Projection<Doc, E> {
  return {
    ...projection,
    indexes: [...(projection.indexes ?? []), ['tenantId', 'lastPosition']],
    evolve(doc, event, id, peer) {
      const next = projection.evolve(doc, event, id, peer);
      return next === null || next === doc ? next : { ...next, lastPosition: sortablePosition(event.position) };
    },
  };
}
