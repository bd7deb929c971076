export { SqliteReadStore, openSqliteReadStore, type OpenSqliteReadStoreOptions, type SqliteReadStoreOptions } from './sqlite-read-store';
export { migrateReadStore, READ_STORE_SCHEMA_VERSION } from './schema';
