import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiKeyState } from '@crm/identity/domain';
import { DEFAULT_TENANT, type EventStore, type Snapshot, type SnapshotStore } from '@crm/shared/event-sourcing';

/**
 * Where the registry keeps its fold: the snapshot of a stream that holds no
 * events and is of no category any reader follows (no dash). Shaped as a
 * stream id, which the personal-data store needs to seal a snapshot.
 */
export const REGISTRY_SNAPSHOT_STREAM = 'api_key_registry';
/** Bump when the entries' shape (ApiKeyState) changes: a snapshot of another version is ignored. */
export const REGISTRY_SNAPSHOT_VERSION = 1;

/** One key as folded: its state and the revision of the last event of its stream folded into it. */
export interface RegistryEntry {
  readonly tenantId: string;
  readonly revision: number;
  readonly state: Exclude<ApiKeyState, { status: 'none' }>;
}

/** The fold up to `checkpoint`: every key event at or before it is in `entries`. */
export interface RegistryFold {
  readonly checkpoint: string;
  readonly entries: readonly RegistryEntry[];
}

/**
 * Stored state: the fold as one JSON string (PostgreSQL's jsonb reorders
 * object keys, a string comes back byte for byte) and its HMAC under a key
 * derived from the server secret. The log's hash chain does not cover a
 * snapshot, so without the MAC anyone able to write the snapshots table could
 * add a key that no event records; with it, a snapshot not made by a process
 * holding the secret is ignored and the log is read from the beginning.
 */
interface SealedFold {
  readonly fold: string;
  readonly mac: string;
}

const macKey = (secret: Buffer) => createHmac('sha256', secret).update('crm/api-key-registry-snapshot').digest();
const macOf = (secret: Buffer, fold: string) => createHmac('sha256', macKey(secret)).update(fold).digest();

function isSealedFold(state: unknown): state is SealedFold {
  const sealed = state as Partial<SealedFold> | null;
  return typeof sealed === 'object' && sealed !== null && typeof sealed.fold === 'string' && typeof sealed.mac === 'string';
}

function isEntry(entry: unknown): entry is RegistryEntry {
  const e = entry as Partial<RegistryEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.tenantId === 'string' &&
    Number.isSafeInteger(e.revision) &&
    typeof e.state === 'object' &&
    e.state !== null &&
    (e.state.status === 'active' || e.state.status === 'revoked') &&
    typeof e.state.key?.keyHash === 'string'
  );
}

export function sealFold(secret: Buffer, fold: RegistryFold): SealedFold {
  const text = JSON.stringify(fold);
  return { fold: text, mac: macOf(secret, text).toString('hex') };
}

/** The fold a sealed state holds, or why it cannot be used. */
export function openFold(secret: Buffer, state: unknown): RegistryFold | string {
  if (!isSealedFold(state)) return 'not a registry snapshot';
  const mac = Buffer.from(state.mac, 'hex');
  const expected = macOf(secret, state.fold);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return 'its MAC does not match this server secret';
  const fold = JSON.parse(state.fold) as Partial<RegistryFold>;
  if (typeof fold.checkpoint !== 'string' || !Array.isArray(fold.entries) || !fold.entries.every(isEntry)) return 'malformed';
  return fold as RegistryFold;
}

/**
 * The kept fold, if it can be trusted: made by a holder of the secret, of this
 * version, and at or before the log's head (a log restored from an older copy
 * than its snapshots table is read from the beginning).
 */
export async function readFold(
  snapshots: SnapshotStore,
  store: EventStore,
  secret: Buffer,
): Promise<{ readonly fold?: RegistryFold; readonly ignored?: string }> {
  const snapshot = await snapshots.readSnapshot(REGISTRY_SNAPSHOT_STREAM, { tenantId: DEFAULT_TENANT });
  if (!snapshot) return {};
  if (snapshot.version !== REGISTRY_SNAPSHOT_VERSION) return { ignored: `it is of version ${snapshot.version}` };
  const fold = openFold(secret, snapshot.state);
  if (typeof fold === 'string') return { ignored: fold };
  const head = await store.headPosition();
  let ahead: boolean;
  try {
    ahead = head === undefined || store.comparePositions(fold.checkpoint, head) > 0;
  } catch {
    return { ignored: 'its checkpoint is not a position of this store' };
  }
  return ahead ? { ignored: 'its checkpoint is past the head of the log' } : { fold };
}

/** Keeps the fold; `revision` (key events folded) lets a store keep the newer of two writers' snapshots. */
export function writeFold(snapshots: SnapshotStore, secret: Buffer, fold: RegistryFold): Promise<void> {
  const events = fold.entries.reduce((sum, entry) => sum + entry.revision + 1, 0);
  const snapshot: Snapshot = {
    streamId: REGISTRY_SNAPSHOT_STREAM,
    tenantId: DEFAULT_TENANT,
    revision: events,
    version: REGISTRY_SNAPSHOT_VERSION,
    state: sealFold(secret, fold),
  };
  return snapshots.writeSnapshot(snapshot);
}
