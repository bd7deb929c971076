import { InMemoryEventStore, verifyChain, type EventToAppend } from '@crm/shared/event-sourcing';
import { demoHistory } from './demo-history';
import { seedEventStore } from './seed-event-store';

function flatten(events: number, seed = 1): { streamId: string; revision: number; event: EventToAppend }[] {
  const out: { streamId: string; revision: number; event: EventToAppend }[] = [];
  for (const append of demoHistory({ events, seed })) {
    const first = append.expectedRevision === 'no_stream' ? 0 : append.expectedRevision + 1;
    append.events.forEach((event, i) => out.push({ streamId: append.streamId, revision: first + i, event }));
  }
  return out;
}

describe('demoHistory', () => {
  const history = flatten(20_000);

  it('gives the same events for the same seed and others for another', () => {
    expect(flatten(500)).toEqual(history.slice(0, flatten(500).length));
    expect(flatten(500, 2).map((e) => e.event.metadata.eventId)).not.toEqual(flatten(500).map((e) => e.event.metadata.eventId));
  });

  it('stops at the size asked for, give or take the last command', () => {
    expect(history.length).toBeGreaterThanOrEqual(20_000);
    expect(history.length).toBeLessThan(20_010);
  });

  it('covers the whole business, in the proportions a CRM sees', () => {
    const counts = new Map<string, number>();
    for (const { event } of history) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    const expected = [
      'LeadCaptured',
      'LeadAssigned',
      'LeadQualified',
      'LeadDisqualified',
      'AccountOpened',
      'ContactCreated',
      'ContactConsentGranted',
      'OpportunityOpened',
      'OpportunityStageMoved',
      'QuoteIssued',
      'QuoteAccepted',
      'QuoteRejected',
      'OpportunityWon',
      'OpportunityLost',
      'PurchaseRecorded',
      'AccountClosed',
      'ComplaintReceived',
      'ComplaintAssessed',
      'ComplaintEscalated',
      'ComplaintSlaBreached',
      'ComplaintClosed',
      'ComplaintReopened',
      'ComplaintHandlingSatisfactionRecorded',
      'FeedbackSubmitted',
      'SurveyResponseRecorded',
      'MarketingListCreated',
      'MarketingListMembersAdded',
      'MarketingListMembersRemoved',
      'CampaignPlanned',
      'CampaignTargetListsAdded',
      'CampaignStarted',
      'CampaignCostRecorded',
      'CampaignResponseRecorded',
      'CampaignCompleted',
      'CampaignCancelled',
      'ActivityScheduled',
      'ActivityRescheduled',
      'ActivityCompleted',
      'ActivityCancelled',
      'InteractionLogged',
    ];
    for (const type of expected) expect({ type, seen: (counts.get(type) ?? 0) > 0 }).toEqual({ type, seen: true });
    // Loyalty and churn need purchase histories, not a token few.
    expect(counts.get('PurchaseRecorded')).toBeGreaterThan(history.length * 0.03);
  });

  it('attributes leads to the campaigns running when they were captured, and spans years at the seed size', () => {
    const planned = new Set(
      history.filter(({ event }) => event.type === 'CampaignPlanned').map(({ event }) => (event.data as { campaignId: string }).campaignId),
    );
    const attributed = history
      .filter(({ event }) => event.type === 'LeadCaptured')
      .map(({ event }) => (event.data as { campaignId?: string }).campaignId)
      .filter((id): id is string => id !== undefined);
    expect(attributed.length).toBeGreaterThan(10);
    expect(attributed.every((id) => planned.has(id))).toBe(true);
    const times = history.map(({ event }) => Date.parse(event.metadata.occurredAt));
    // 20k events cover about half a year, so the 100k the benchmarks seed span over two.
    expect((Math.max(...times) - Math.min(...times)) / 86_400_000).toBeGreaterThan(150);
  });

  it('is in time order with contiguous revisions and unique event ids', () => {
    const times = history.map((e) => e.event.metadata.occurredAt);
    expect([...times].sort()).toEqual(times);
    const revisions = new Map<string, number>();
    for (const { streamId, revision } of history) {
      expect(revision).toBe((revisions.get(streamId) ?? -1) + 1);
      revisions.set(streamId, revision);
    }
    expect(new Set(history.map((e) => e.event.metadata.eventId)).size).toBe(history.length);
  });

  it('seeds a store through its append path, hash chain included', async () => {
    const store = new InMemoryEventStore();
    const result = await seedEventStore(store, { events: 3000, seed: 7 });
    expect(result.head).toBe(String(result.events));
    const { events } = await store.readAll({ filter: { categories: ['complaint'] }, maxCount: 1 });
    const stream = await store.readStream((events[0] as { streamId: string }).streamId);
    expect(verifyChain(stream)).toMatchObject({ ok: true, checked: stream.length });
    await store.close();
  });
});
