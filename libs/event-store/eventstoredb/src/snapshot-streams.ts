import { ANY, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import type { Snapshot } from '@crm/shared/event-sourcing';
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
 * ones; it is set once, by whoever writes the stream's first snapshot. State
 * travels as JSON, as it does in the SQL adapters' JSON columns.
 */
export class SnapshotStreams {
  constructor(
    private readonly client: EventStoreDBClient,
    private readonly names: StreamNames,
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
    const result = await this.client.appendToStream(name, jsonEvent({ type: 'SnapshotTaken', data }), { expectedRevision: ANY });
    if (result.nextExpectedRevision === 0n) await this.client.setStreamMetadata(name, { maxCount: 1 });
  }
}
