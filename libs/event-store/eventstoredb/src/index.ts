export { EventStoreDbEventStore, type EventStoreDbOptions } from './eventstoredb-event-store';
export { StreamNames, type StreamIdentity } from './stream-names';
export { encodePosition, decodePosition, comparePositions } from './positions';
