import { Binary, MongoClient, MongoServerError, ReadPreference, type Collection } from 'mongodb';
import { byRef, ERASED_KEY, isErasedKey, type KeyStore, type SubjectKeyRef } from '@crm/shared/personal-data';

interface KeyDocument {
  _id: string;
  tenantId: string;
  subjectRef: string;
  wrapped: Binary;
  createdAt: Date;
}

const idOf = (ref: SubjectKeyRef) => `${ref.tenantId}/${ref.subjectRef}`;
const DUPLICATE_KEY = 11000;

/** Wrapped data keys in their own collection (`personal_data_keys`), apart from the read models. */
export class MongoKeyStore implements KeyStore {
  private constructor(
    private readonly client: MongoClient,
    readonly keys: Collection<KeyDocument>,
    private readonly ownsClient: boolean,
  ) {}

  static async connect(url: string, options: { readonly database?: string } = {}): Promise<MongoKeyStore> {
    const client = await MongoClient.connect(url);
    // A key acknowledged here seals data written to the event store right after: it must survive a failover (majority,
    // journaled), and a key or tombstone read back must be one that cannot be rolled back. Reads go to the primary
    // whatever the URL prefers (it may send the read models' reads to secondaries): a lagging secondary would miss a
    // key just made or an erasure's tombstone just written.
    const keys = client.db(options.database).collection<KeyDocument>('personal_data_keys', {
      writeConcern: { w: 'majority', journal: true },
      readConcern: { level: 'majority' },
      readPreference: ReadPreference.PRIMARY,
    });
    return new MongoKeyStore(client, keys, true);
  }

  async get(ref: SubjectKeyRef): Promise<Buffer | undefined> {
    const found = await this.keys.findOne({ _id: idOf(ref) });
    return found ? Buffer.from(found.wrapped.buffer) : undefined;
  }

  /**
   * The stored key, this one when none was: one upsert answered from the write path. A read after a duplicate-key
   * error could miss the winner's key (the duplicate is found in the primary's own data, a majority read may not see
   * it yet). The server retries an upsert on `_id` that loses such a race; a second failure is tried once more.
   */
  async create(ref: SubjectKeyRef, wrapped: Buffer): Promise<Buffer> {
    const upsert = () =>
      this.keys.findOneAndUpdate(
        { _id: idOf(ref) },
        { $setOnInsert: { tenantId: ref.tenantId, subjectRef: ref.subjectRef, wrapped: new Binary(wrapped), createdAt: new Date() } },
        { upsert: true, returnDocument: 'after' },
      );
    let stored: KeyDocument | null;
    try {
      stored = await upsert();
    } catch (error) {
      if (!(error instanceof MongoServerError) || error.code !== DUPLICATE_KEY) throw error;
      stored = await upsert();
    }
    if (stored === null) throw new Error(`the key of ${idOf(ref)} was neither stored nor found`);
    return Buffer.from(stored.wrapped.buffer);
  }

  async createMany(entries: readonly { readonly ref: SubjectKeyRef; readonly wrapped: Buffer }[]): Promise<Buffer[]> {
    const stored: Buffer[] = [];
    for (const { ref, wrapped } of entries) stored.push(await this.create(ref, wrapped));
    return stored;
  }

  /** The key replaced by its tombstone (an empty value) in one write, inserted when the subject had no document. */
  async delete(ref: SubjectKeyRef): Promise<boolean> {
    const before = await this.keys.findOneAndUpdate(
      { _id: idOf(ref) },
      {
        $set: { wrapped: new Binary(ERASED_KEY) },
        $setOnInsert: { tenantId: ref.tenantId, subjectRef: ref.subjectRef, createdAt: new Date() },
      },
      { upsert: true, returnDocument: 'before' },
    );
    return before !== null && !isErasedKey(Buffer.from(before.wrapped.buffer));
  }

  async discard(ref: SubjectKeyRef): Promise<boolean> {
    const { deletedCount } = await this.keys.deleteOne({ _id: idOf(ref), wrapped: { $ne: new Binary(ERASED_KEY) } });
    return deletedCount > 0;
  }

  async has(ref: SubjectKeyRef): Promise<boolean> {
    const stored = await this.get(ref);
    return stored !== undefined && !isErasedKey(stored);
  }

  async refsStartingWith(prefix: string): Promise<SubjectKeyRef[]> {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const found = await this.keys
      .find({ subjectRef: { $regex: `^${escaped}` } }, { projection: { _id: 0, tenantId: 1, subjectRef: 1, wrapped: 1 } })
      .toArray();
    return found
      .filter((doc) => !isErasedKey(Buffer.from(doc.wrapped.buffer)))
      .map((doc) => ({ tenantId: doc.tenantId, subjectRef: doc.subjectRef }))
      .sort(byRef);
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}
