import type { ActivityEvent, InteractionEvent } from '@crm/activities/domain';
import { API_KEY_CATEGORY, type ApiKeyEvent } from '@crm/identity/domain';
import type { CampaignEvent, MarketingListEvent } from '@crm/marketing/domain';
import { dataSubjectStream, type DataSubjectEvent } from '@crm/privacy/domain';
import { positionOrdinal } from '@crm/projections/runtime';
import type { AccountEvent, ContactEvent, LeadEvent, OpportunityEvent, QuoteEvent } from '@crm/sales/domain';
import type { ComplaintEvent, FeedbackEvent, SurveyEvent } from '@crm/service/domain';
import {
  type AllFilter,
  type EventStore,
  NO_OP_RECORD_CATEGORY,
  NO_OP_RECORDED,
  type RecordedEvent,
  streamCategory,
} from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { UsageError } from './args';

type DomainEvent =
  | LeadEvent
  | ContactEvent
  | AccountEvent
  | OpportunityEvent
  | QuoteEvent
  | MarketingListEvent
  | CampaignEvent
  | ActivityEvent
  | InteractionEvent
  | ComplaintEvent
  | FeedbackEvent
  | SurveyEvent
  | ApiKeyEvent
  | DataSubjectEvent;

/**
 * Every event type of the contexts' unions: the compiler holds this to them (a type left out, or one no union
 * has, fails the type check), so an event type added to a union must be added here to be exported by name.
 */
const DOMAIN_EVENT_TYPES: { readonly [T in DomainEvent['type']]: true } = {
  // sales
  LeadCaptured: true,
  LeadUpdated: true,
  LeadAssigned: true,
  LeadQualified: true,
  LeadDisqualified: true,
  ContactCreated: true,
  ContactUpdated: true,
  ContactLinkedToAccount: true,
  ContactConsentGranted: true,
  ContactConsentWithdrawn: true,
  AccountOpened: true,
  AccountUpdated: true,
  AccountClosed: true,
  AccountReopened: true,
  PurchaseRecorded: true,
  AccountLinkRecorded: true,
  OpportunityOpened: true,
  OpportunitySolutionProposed: true,
  OpportunityStageMoved: true,
  OpportunityEstimateRevised: true,
  OpportunityWon: true,
  OpportunityLost: true,
  OpportunityReopened: true,
  OpportunityQuoteIssued: true,
  QuoteCreated: true,
  QuoteRevised: true,
  QuoteIssued: true,
  QuoteAccepted: true,
  QuoteRejected: true,
  // marketing
  MarketingListCreated: true,
  MarketingListMembersAdded: true,
  MarketingListMembersRemoved: true,
  CampaignPlanned: true,
  CampaignTargetListsAdded: true,
  CampaignStarted: true,
  CampaignCostRecorded: true,
  CampaignResponseRecorded: true,
  CampaignCompleted: true,
  CampaignCancelled: true,
  // activities
  ActivityScheduled: true,
  ActivityRescheduled: true,
  ActivityReassigned: true,
  ActivityCompleted: true,
  ActivityCancelled: true,
  InteractionLogged: true,
  // service
  ComplaintReceived: true,
  ComplaintAcknowledged: true,
  ComplaintAssessed: true,
  ComplaintAssigned: true,
  ComplaintInvestigationNoteAdded: true,
  ComplaintResponded: true,
  ComplaintDecisionCommunicated: true,
  ComplaintEscalated: true,
  ComplaintClosed: true,
  ComplaintReopened: true,
  ComplaintHandlingSatisfactionRecorded: true,
  ComplaintSlaBreached: true,
  ComplaintSlaBreachWithdrawn: true,
  FeedbackSubmitted: true,
  FeedbackAcknowledged: true,
  SurveyResponseRecorded: true,
  // identity
  ApiKeyCreated: true,
  ApiKeyRevoked: true,
  // privacy
  DataSubjectErased: true,
  DataSubjectErasureListed: true,
};

/**
 * Sales' claims (lead dedupe, lead-key-claim.ts; accounts' national ids, national-id-claim.ts): their unions are not
 * exported, and @crm/sales/application is loaded only by the command that needs it (migrate), so their categories are
 * named here (the spec checks them).
 */
const CLAIM_EVENT_TYPES = ['LeadKeyClaimed', 'LeadKeyReleased', 'AccountNationalIdClaimed'];
const LEAD_KEY_CATEGORY = 'lead-key';
const NATIONAL_ID_CATEGORY = 'account-national-id';

/** The event types `export --type` takes: those the code writes. */
export const EVENT_TYPES: readonly string[] = [...Object.keys(DOMAIN_EVENT_TYPES), ...CLAIM_EVENT_TYPES, NO_OP_RECORDED].sort();

/**
 * The stream categories `export --category` takes: the records' (one NOT_FOUND each), the keys' and claims', the
 * erasures', and the records of commands that changed nothing (idempotency).
 */
export const STREAM_CATEGORIES: readonly string[] = [
  ...Object.keys(NOT_FOUND),
  API_KEY_CATEGORY,
  LEAD_KEY_CATEGORY,
  NATIONAL_ID_CATEGORY,
  NO_OP_RECORD_CATEGORY,
  streamCategory(dataSubjectStream({ type: 'lead', id: 'any' })),
].sort();

/**
 * Refuses a type or category no code writes (a typo, `campaigns` for `campaign`), which would otherwise make an
 * empty export without a word; the message names the unknown ones and lists the known ones.
 */
export function checkExportFilter(filter: Pick<ExportFilter, 'types' | 'categories'>): void {
  const unknown = (given: readonly string[], known: readonly string[]) => [...new Set(given.filter((name) => !known.includes(name)))];
  const types = unknown(filter.types, EVENT_TYPES);
  if (types.length > 0) throw new UsageError(`unknown --type ${types.join(', ')}; event types: ${EVENT_TYPES.join(', ')}`);
  const categories = unknown(filter.categories, STREAM_CATEGORIES);
  if (categories.length > 0)
    throw new UsageError(`unknown --category ${categories.join(', ')}; categories: ${STREAM_CATEGORIES.join(', ')}`);
}

export interface ExportFilter {
  /** Any of these types (none: every type). */
  readonly types: readonly string[];
  /** Streams of any of these categories (none: every category). */
  readonly categories: readonly string[];
  /** occurredAt at or after this instant (ms). */
  readonly from?: number;
  /** occurredAt before this instant (ms). */
  readonly to?: number;
  readonly tenantId?: string;
}

export interface ExportResult {
  readonly exported: number;
  /** The head when the export started: nothing after it is exported, so the file is one consistent cut. */
  readonly head: string | undefined;
}

/**
 * `$all` page by page, up to `head` (a position fixed by the caller when it started: a consistent cut of the log), each
 * page's events with the checkpoint the next page reads after (undefined on the last). Memory stays one page.
 */
export async function* pagesUpTo(
  store: EventStore,
  head: string | undefined,
  filter: AllFilter,
  pageSize = 1000,
): AsyncGenerator<{ readonly events: readonly RecordedEvent[]; readonly checkpoint: string | undefined }> {
  let after: string | undefined;
  while (head !== undefined) {
    const slice = await store.readAll({ after, maxCount: pageSize, filter });
    const past = slice.events.findIndex((event) => store.comparePositions(event.position, head) > 0);
    const events = past < 0 ? slice.events : slice.events.slice(0, past);
    const { checkpoint } = slice;
    const last =
      past >= 0 || slice.isEnd || checkpoint === undefined || checkpoint === after || store.comparePositions(checkpoint, head) >= 0;
    yield { events, checkpoint: last ? undefined : checkpoint };
    if (last) return;
    after = checkpoint;
  }
}

/** One envelope per line, in `$all` order: the event as the store recorded it, metadata included. */
export function ndjsonLine(event: RecordedEvent): string {
  const { streamId, type, data, revision, position, metadata } = event;
  return `${JSON.stringify({ streamId, type, data, revision, position, metadata })}\n`;
}

/**
 * Streams `$all` page by page into `write` (which should respect
 * backpressure): memory stays one page whatever the size of the log. Types
 * and categories are filtered by the store (in SQL where it can), the time
 * window here, since occurredAt is not guaranteed to follow positions.
 */
export async function exportEvents(
  store: EventStore,
  filter: ExportFilter,
  write: (text: string) => Promise<void>,
  onPage?: (done: number | undefined, total: number | undefined) => void,
  pageSize = 1000,
): Promise<ExportResult> {
  const head = await store.headPosition();
  const storeFilter: AllFilter = {
    ...(filter.types.length > 0 ? { eventTypes: filter.types } : {}),
    ...(filter.categories.length > 0 ? { categories: filter.categories } : {}),
    ...(filter.tenantId === undefined ? {} : { tenantId: filter.tenantId }),
  };
  const inWindow = (event: RecordedEvent) => {
    if (filter.from === undefined && filter.to === undefined) return true;
    const at = Date.parse(event.metadata.occurredAt);
    return (filter.from === undefined || at >= filter.from) && (filter.to === undefined || at < filter.to);
  };
  const total = positionOrdinal(head);
  let exported = 0;
  for await (const page of pagesUpTo(store, head, storeFilter, pageSize)) {
    let text = '';
    for (const event of page.events) {
      if (!inWindow(event)) continue;
      text += ndjsonLine(event);
      exported += 1;
    }
    if (text) await write(text);
    if (page.checkpoint !== undefined) onPage?.(positionOrdinal(page.checkpoint), total);
  }
  return { exported, head };
}
