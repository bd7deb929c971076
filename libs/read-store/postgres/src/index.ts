export { PostgresReadStore, type PostgresReadStoreOptions } from './postgres-read-store';
export { READ_STORE_SCHEMA_VERSION } from './schema';
