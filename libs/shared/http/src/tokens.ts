/** Nest injection tokens for the ports the application layer needs. */
export const EVENT_STORE = Symbol('EventStore');
export const SNAPSHOT_STORE = Symbol('SnapshotStore');
export const CLOCK = Symbol('Clock');
/** The server secret request fingerprints are keyed with (a Buffer). */
export const FINGERPRINT_KEY = Symbol('FingerprintKey');
/** The read-model store (documents + projection checkpoints); also a durable CheckpointStore for process managers. */
export const READ_STORE = Symbol('ReadStore');
/** Optional: what measures commands and appends (a CommandObserver). */
export const COMMAND_OBSERVER = Symbol('CommandObserver');
/** The keyed hash dedupe and lookups match personal values by (a BlindIndex from @crm/shared/personal-data). */
export const BLIND_INDEX = Symbol('BlindIndex');
/**
 * Optional: one owner across processes for every reactor and watcher (a `ReactorLeases` from
 * @crm/shared/read-model: the read store holding leases and checkpoints, the TTL). Unbound, each
 * process runs them all, as a single process may.
 */
export const REACTOR_LEASES = Symbol('ReactorLeases');
