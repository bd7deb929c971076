import type { ComplaintEvent, ComplaintReceived } from '@crm/service/domain';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { RecordedOf } from '@crm/shared/read-model';

export type FollowingComplaintEvent = Exclude<RecordedOf<ComplaintEvent>, { type: 'ComplaintReceived' }>;

/**
 * The evolve every per-complaint read model shares: a document starts at the
 * receipt, later events extend it, and the revision it applied last makes a
 * redelivered event a no-op.
 */
export function complaintEvolve<D extends { readonly lastRevision: number }>(
  received: (event: RecordedEvent<ComplaintReceived>) => D,
  followed: (doc: D, event: FollowingComplaintEvent) => D,
): (doc: D | null, event: RecordedOf<ComplaintEvent>) => D | null {
  return (doc, event) => {
    if (event.type === 'ComplaintReceived') return doc ?? received(event);
    // A step without its receipt cannot be placed; the stream itself (GET /streams) still shows it.
    if (doc === null) return null;
    if (event.revision <= doc.lastRevision) return doc;
    return followed(doc, event);
  };
}
