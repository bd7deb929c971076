export { MongoReadStore, type MongoReadStoreOptions } from './mongo-read-store';
export { databaseNamedIn } from './mongo-setup';
