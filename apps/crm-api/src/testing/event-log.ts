import { verifyChain, type ChainVerification, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';

/** Every event of the log after `after` (the whole log by default), of every tenant, in log order. */
export async function readLog(store: EventStore, after?: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let from = after, isEnd = false; !isEnd;) {
    const slice = await store.readAll({ ...(from === undefined ? {} : { after: from }), maxCount: 5000 });
    events.push(...slice.events);
    ({ isEnd } = slice);
    from = slice.checkpoint;
  }
  return events;
}

/** The streams among `events` whose hash chain does not verify (a stream is per tenant), with what each holds. */
export function brokenChains(events: readonly RecordedEvent[]): { stream: string; check: ChainVerification; events: string[] }[] {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const key = `${event.metadata.tenantId}/${event.streamId}`;
    byStream.set(key, [...(byStream.get(key) ?? []), event]);
  }
  return [...byStream].flatMap(([stream, recorded]) => {
    const check = verifyChain(recorded);
    return check.ok
      ? []
      : [{ stream, check, events: recorded.map((event) => `${event.revision} ${event.type} ${event.metadata.eventId}`) }];
  });
}
