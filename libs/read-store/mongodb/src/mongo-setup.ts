import { MongoClient, MongoServerError, ReadPreference, type DbOptions, type Db, type TransactionOptions } from 'mongodb';

/**
 * The database a connection string names in its path, or undefined. The
 * driver's own `dbName` says `test` when the URL names none, so it cannot
 * tell "no database named" from "test" named.
 */
export function databaseNamedIn(url: string): string | undefined {
  const rest = url.replace(/^mongodb(\+srv)?:\/\//, '');
  const beforeQuery = rest.split('?')[0] as string;
  const hosts = beforeQuery.slice(beforeQuery.lastIndexOf('@') + 1);
  const slash = hosts.indexOf('/');
  if (slash === -1) return undefined;
  const name = decodeURIComponent(hosts.slice(slash + 1));
  return name === '' ? undefined : name;
}

/**
 * What the store reads and writes with, whatever the URL says: the primary, and a majority's acknowledgement
 * (ARCHITECTURE.md "Topology"). A projector reads a document, changes it and writes it back (get/getMany, its
 * state and checkpoint, leases): read from a secondary behind the primary, the write would lose the updates the
 * secondary has not seen yet. A write acknowledged by the primary alone can be rolled back by a failover.
 */
export const STORE_READ_PREFERENCE = ReadPreference.PRIMARY;
export const STORE_WRITE_CONCERN = { w: 'majority' } as const;
export const STORE_DB_OPTIONS: DbOptions = { readPreference: STORE_READ_PREFERENCE, writeConcern: STORE_WRITE_CONCERN };
export const STORE_TRANSACTION_OPTIONS: TransactionOptions = { readPreference: STORE_READ_PREFERENCE, writeConcern: STORE_WRITE_CONCERN };

/** URL options that choose other members to read from; with the primary pinned, the driver would refuse or keep them. */
const READ_ROUTING_OPTIONS = new Set(['readpreference', 'readpreferencetags', 'maxstalenessseconds']);

/** The URL without its read-routing options (names are case-insensitive, as the driver has them). */
export function withoutReadRouting(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const kept = url
    .slice(query + 1)
    .split('&')
    .filter((pair) => pair !== '' && !READ_ROUTING_OPTIONS.has(decodeURIComponent(pair.split('=')[0] as string).toLowerCase()));
  return kept.length === 0 ? url.slice(0, query) : `${url.slice(0, query)}?${kept.join('&')}`;
}

/**
 * The store's own client for a URL: the primary for every read and majority for every write, whatever the URL asks
 * (options given to the constructor win over the URL's; `readPreferenceTags` and `maxStalenessSeconds` are dropped,
 * as the driver refuses them with the primary). Not connected yet.
 */
export function storeClient(url: string): MongoClient {
  return new MongoClient(withoutReadRouting(url), { readPreference: STORE_READ_PREFERENCE, writeConcern: STORE_WRITE_CONCERN });
}

/** Collections the store keeps for itself beside the read-model collections, under the same prefix. */
export const RESERVED_COLLECTIONS: readonly string[] = ['projection_states', 'leases'];

const NAMESPACE_EXISTS = 48;

/**
 * Creates collections before anything is written to them, outside any
 * transaction: sharded clusters and servers before 4.4 refuse to create one
 * inside a transaction, and two projectors creating the same collection in
 * their transactions would abort one another. Known names are remembered;
 * a collection another process created first is simply there.
 */
export class Collections {
  private known: Set<string> | undefined;

  constructor(private readonly db: Db) {}

  async ensure(names: Iterable<string>): Promise<void> {
    const wanted = [...new Set(names)];
    if (this.known === undefined || wanted.some((name) => !this.known?.has(name))) await this.refresh();
    const known = this.known as Set<string>;
    for (const name of wanted) {
      if (known.has(name)) continue;
      try {
        await this.db.createCollection(name);
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error;
      }
      known.add(name);
    }
  }

  /** After a drop, the name must be created again before its next write. */
  forget(name: string): void {
    this.known?.delete(name);
  }

  private async refresh(): Promise<void> {
    const listed = await this.db.listCollections({}, { nameOnly: true }).toArray();
    this.known = new Set(listed.map((collection) => collection.name));
  }
}
