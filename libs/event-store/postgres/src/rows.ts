import { fromColumns, type EventMetadata, type RecordedEvent, type Snapshot } from '@crm/shared/event-sourcing';
import { formatPosition } from './positions';

/** An events row as `pg` returns it: bigint and xid8 arrive as strings, jsonb parsed. */
export interface EventRow {
  readonly transaction_id: string;
  readonly position: string;
  readonly stream_id: string;
  readonly tenant_id: string;
  readonly event_id: string;
  readonly revision: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Omit<EventMetadata, 'prevHash' | 'hash'>;
  readonly prev_hash: string;
  readonly hash: string;
}

export const EVENT_COLUMNS =
  'e.transaction_id, e.position, e.stream_id, e.tenant_id, e.event_id, e.revision, e.type, e.data, e.metadata, e.prev_hash, e.hash';

/** The hash chain lives in columns, so a metadata-only rewrite cannot move it. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    streamId: row.stream_id,
    type: row.type,
    data: row.data,
    revision: Number(row.revision),
    position: formatPosition(row.transaction_id, row.position),
    // The parsed jsonb object is ours alone; extending it in place is several times cheaper than a spread.
    metadata: fromColumns(
      Object.assign(row.metadata, { prevHash: row.prev_hash, hash: row.hash }) as EventMetadata,
      row.tenant_id,
      row.event_id,
    ),
  };
}

export interface SnapshotRow {
  readonly stream_id: string;
  readonly tenant_id: string;
  readonly revision: string;
  readonly version: number;
  readonly state: unknown;
}

export function toSnapshot(row: SnapshotRow): Snapshot {
  return { streamId: row.stream_id, tenantId: row.tenant_id, revision: Number(row.revision), version: row.version, state: row.state };
}
