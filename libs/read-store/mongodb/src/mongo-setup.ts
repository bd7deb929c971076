import { MongoServerError, type Db } from 'mongodb';

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
