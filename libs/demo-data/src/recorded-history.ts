import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { demoHistory, type DemoHistoryOptions } from './demo-history';

/**
 * The demo history as a store would hand it back (positions 1, 2, 3…, stream
 * revisions, no hash chain), for tests that fold it without a store. Only the
 * event types asked for, when given; positions count every event regardless.
 */
export function recordedDemoHistory(options: DemoHistoryOptions, types?: readonly string[]): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  let position = 0;
  for (const append of demoHistory(options)) {
    const first = append.expectedRevision === 'no_stream' ? 0 : append.expectedRevision + 1;
    for (const [index, event] of append.events.entries()) {
      position += 1;
      if (types !== undefined && !types.includes(event.type)) continue;
      events.push({
        streamId: append.streamId,
        type: event.type,
        data: event.data,
        revision: first + index,
        position: String(position),
        metadata: { ...event.metadata, prevHash: '', hash: '' },
      } as RecordedEvent);
    }
  }
  return events;
}
