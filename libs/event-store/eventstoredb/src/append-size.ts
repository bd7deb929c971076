import type { EventData } from '@kurrent/kurrentdb-client';
import { AppendTooLargeError } from '@crm/shared/event-sourcing';

/**
 * KurrentDB refuses an append whose events add up to more than its
 * `MaxAppendSize` (1 MiB unless the server is configured otherwise). The
 * adapter measures before sending, so such an append fails at once with a
 * typed, non-retryable error (HTTP 413) instead of a server error, and the
 * HTTP body limit defaults well below it (README "Production topology").
 */
export const DEFAULT_MAX_APPEND_BYTES = 1024 * 1024;

/** What the server counts for one event: its data, its metadata, its type and id. */
export function eventBytes(event: EventData): number {
  const data = event.data instanceof Uint8Array ? event.data.byteLength : Buffer.byteLength(JSON.stringify(event.data ?? null));
  const metadata =
    event.metadata === undefined
      ? 0
      : event.metadata instanceof Uint8Array
        ? event.metadata.byteLength
        : Buffer.byteLength(JSON.stringify(event.metadata));
  return data + metadata + Buffer.byteLength(event.type) + 36;
}

export function appendBytes(events: readonly EventData[]): number {
  return events.reduce((total, event) => total + eventBytes(event), 0);
}

export function assertAppendFits(events: readonly EventData[], limitBytes: number): void {
  const bytes = appendBytes(events);
  if (bytes > limitBytes) throw new AppendTooLargeError(bytes, limitBytes);
}
