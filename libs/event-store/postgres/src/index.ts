export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';
export type { GroupCommitOptions } from './append-writer';
export { comparePositions as comparePostgresPositions, parsePosition, formatPosition, type GlobalPosition } from './positions';
