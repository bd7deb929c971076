export {
  SqliteEventStore,
  openSqliteEventStore,
  type OpenSqliteEventStoreOptions,
  type SqliteEventStoreOptions,
} from './sqlite-event-store';
export { configureConnection, migrate, SCHEMA_VERSION, type ConnectionOptions, type SynchronousMode } from './schema';
export type { GroupCommitStats, SubmitOptions } from './group-commit';
