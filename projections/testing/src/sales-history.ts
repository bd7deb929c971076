import type {
  LeadAssigned,
  LeadCaptured,
  LeadDisqualified,
  LeadQualified,
  LeadSource,
  OpenStage,
  OpportunityEstimateRevised,
  OpportunityLost,
  OpportunityOpened,
  OpportunityReopened,
  OpportunityStageMoved,
  OpportunityWon,
} from '@crm/sales/domain';
import { DEFAULT_TENANT, type Event, type EventMetadata, type RecordedEvent } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';
import { foldEvents, InMemoryReadStore, type AnyProjection } from '@crm/shared/read-model';

/** Sales events as the deciders record them, with only what a test varies as parameters. */

export const at = (day: number, hour = 8): string => new Date(Date.UTC(2026, 0, day, hour)).toISOString();
export const irr = (amount: number): Money => ({ amount, currency: 'IRR' });

export const leadCaptured = (leadId: string, source: LeadSource, more: Partial<LeadCaptured['data']> = {}): LeadCaptured => ({
  type: 'LeadCaptured',
  data: { leadId, fullName: 'مریم احمدی', nameKey: 'مریم احمدی', source, matchKeys: [], capturedAt: at(1), ...more },
});

export const leadAssigned = (leadId: string, ownerId: string): LeadAssigned => ({
  type: 'LeadAssigned',
  data: { leadId, ownerId, assignedAt: at(2) },
});

export const leadQualified = (
  leadId: string,
  opportunityId: string,
  more: { source?: LeadSource; campaignId?: string; ownerId?: string; amount?: Money; at?: string } = {},
): LeadQualified => ({
  type: 'LeadQualified',
  data: {
    leadId,
    source: more.source ?? 'web',
    ...(more.campaignId ? { campaignId: more.campaignId } : {}),
    ...(more.ownerId ? { ownerId: more.ownerId } : {}),
    contact: { contactId: `contact-${leadId}`, existing: false, fullName: 'مریم احمدی' },
    account: { accountId: `account-${leadId}`, existing: false, name: 'شرکت فولاد مبارکه' },
    opportunity: {
      opportunityId,
      name: 'ورق فولادی',
      need: 'ورق گرم‌نورد',
      estimatedValue: more.amount ?? irr(1_000_000),
      expectedCloseDate: '2026-03-01',
    },
    qualifiedAt: more.at ?? at(3),
  },
});

export const leadDisqualified = (leadId: string): LeadDisqualified => ({
  type: 'LeadDisqualified',
  data: { leadId, reason: 'no_budget', disqualifiedAt: at(4) },
});

export const opportunityOpened = (opportunityId: string, more: Partial<OpportunityOpened['data']> = {}): OpportunityOpened => ({
  type: 'OpportunityOpened',
  data: {
    opportunityId,
    accountId: 'account-1',
    name: 'ورق فولادی',
    need: 'ورق گرم‌نورد',
    amount: irr(1_000_000),
    expectedCloseDate: '2026-03-01',
    stage: 'qualification',
    probability: 10,
    openedAt: at(3),
    ...more,
  },
});

export const stageMoved = (opportunityId: string, from: OpenStage, to: OpenStage, probability: number): OpportunityStageMoved => ({
  type: 'OpportunityStageMoved',
  data: { opportunityId, from, to, probability, movedAt: at(5) },
});

export const estimateRevised = (
  opportunityId: string,
  figures: Omit<OpportunityEstimateRevised['data'], 'opportunityId' | 'revisedAt'>,
): OpportunityEstimateRevised => ({ type: 'OpportunityEstimateRevised', data: { opportunityId, ...figures, revisedAt: at(6) } });

export const opportunityWon = (
  opportunityId: string,
  amount: Money,
  stage: OpenStage,
  wonAt: string,
  quoteId?: string,
): OpportunityWon => ({
  type: 'OpportunityWon',
  data: { opportunityId, accountId: 'account-1', amount, stage, ...(quoteId ? { quoteId } : {}), wonAt },
});

export const opportunityLost = (opportunityId: string, stage: OpenStage, lostAt: string): OpportunityLost => ({
  type: 'OpportunityLost',
  data: { opportunityId, reason: 'قیمت بالا', stage, lostAt },
});

export const opportunityReopened = (opportunityId: string, stage: OpenStage, probability: number): OpportunityReopened => ({
  type: 'OpportunityReopened',
  data: { opportunityId, reason: 'مشتری بازگشت', stage, probability, reopenedAt: at(20) },
});

/** Records events at positions 1, 2, 3… for one tenant, as a store would. */
export function recorded(events: readonly Event[], tenantId = DEFAULT_TENANT): RecordedEvent[] {
  return events.map((event, index) => {
    const eventId = `event-${index + 1}`;
    const metadata: EventMetadata = {
      eventId,
      commandId: eventId,
      correlationId: eventId,
      causationId: eventId,
      actor: { id: 'tester', roles: [] },
      tenantId,
      occurredAt: at(1),
      schemaVersion: 1,
      prevHash: '',
      hash: '',
    };
    return { streamId: 'test-1', type: event.type, data: event.data, revision: index, position: String(index + 1), metadata };
  });
}

/** The projections' documents for a history, in an in-memory read store, under their logical collection names. */
export async function storeWith(projections: readonly AnyProjection[], events: readonly RecordedEvent[]): Promise<InMemoryReadStore> {
  const store = new InMemoryReadStore();
  for (const projection of projections) {
    const handled = events.filter((event) => projection.eventTypes.includes(event.type));
    const result = foldEvents(projection, new Map(), handled, (a, b) => Math.sign(Number(a) - Number(b)));
    if (result.failure) throw result.failure.error;
    await store.transaction((tx) => {
      for (const [id, record] of result.changed) if (record) tx.put(projection.collection, id, record.doc, record.position);
    });
  }
  return store;
}
