import { ANY, jsonEvent } from '@kurrent/kurrentdb-client';
import type { Snapshot } from '@crm/shared/event-sourcing';
import { eventBytes } from './append-size';
import { toStoreError, type KurrentClient } from './client';
import type { StreamNames } from './stream-names';
import { readLastEvent } from './stream-reads';

interface StoredSnapshot {
  readonly revision: number;
  readonly version: number;
  readonly state: unknown;
}

function isStoredSnapshot(data: unknown): data is StoredSnapshot {
  const stored = data as Partial<StoredSnapshot> | null;
  return (
    typeof stored === 'object' &&
    stored !== null &&
    Number.isSafeInteger(stored.revision) &&
    Number.isSafeInteger(stored.version) &&
    'state' in stored
  );
}

/**
 * One stream per aggregate stream, `crm~snapshot-{tenant}~{streamId}`, whose
 * last event is the snapshot. `$maxCount: 1` lets the scavenger drop the older
 * ones; it is set by whoever writes the stream's first snapshot, and again
 * with every 64th. State
 * travels as JSON, as it does in the SQL adapters' JSON columns. A snapshot
 * larger than the server takes in one append is not taken: it is a cache,
 * and loading reads the stream's tail instead.
 */
export class SnapshotStreams {
  constructor(
    private readonly client: KurrentClient,
    private readonly names: StreamNames,
    private readonly maxAppendBytes: number,
  ) {}

  async read(streamId: string, tenantId: string): Promise<Snapshot | undefined> {
    const last = await readLastEvent(this.client, this.names.snapshot(tenantId, streamId));
    if (!last || !last.isJson || !isStoredSnapshot(last.data)) return undefined;
    const { revision, version, state } = last.data;
    return { streamId, tenantId, revision, version, state };
  }

  async write(snapshot: Snapshot): Promise<void> {
    const name = this.names.snapshot(snapshot.tenantId, snapshot.streamId);
    const data = { revision: snapshot.revision, version: snapshot.version, state: snapshot.state };
    const event = jsonEvent({ type: 'SnapshotTaken', data });
    if (eventBytes(event) > this.maxAppendBytes) return;
    try {
      const result = await this.client.appendToStream(name, event, { streamState: ANY });
      // Set again every 64th snapshot: a first setting that failed (its reply lost) leaves the stream growing until then.
      if (result.nextExpectedRevision % 64n === 0n) await this.client.setStreamMetadata(name, { maxCount: 1 });
    } catch (error) {
      // Any expected state, so written again as it is: a lost reply is harmless, the write passing.
      throw toStoreError(error);
    }
  }
}
