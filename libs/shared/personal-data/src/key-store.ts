import type { SubjectKeyRef } from './sealing';

/**
 * Where wrapped data keys live, apart from the events (their own table or
 * collection). A KMS can implement it. Keys are stored wrapped: an adapter
 * never sees a data key in the clear.
 */
export interface KeyStore {
  /** The subject's wrapped key; `ERASED_KEY` (empty) once it was destroyed; undefined when it never had one. */
  get(ref: SubjectKeyRef): Promise<Buffer | undefined>;
  /**
   * Stores `wrapped` unless the subject has a key already; returns the key that is stored (first writer wins). A
   * subject whose key was destroyed keeps its tombstone: the answer is `ERASED_KEY`, and no key is stored.
   */
  create(ref: SubjectKeyRef, wrapped: Buffer): Promise<Buffer>;
  /**
   * Several `create`s, each answered as `create` would, in one durable write
   * where the store can: records opened by concurrent commands then cost one
   * sync of the key store, not one each.
   */
  createMany(entries: readonly { readonly ref: SubjectKeyRef; readonly wrapped: Buffer }[]): Promise<Buffer[]>;
  /**
   * Destroys the subject's key and leaves its tombstone (`ERASED_KEY`) in its place, also when it had none: the
   * subject can never be given a key again, so nothing written after its erasure is readable. True when a key was there.
   */
  delete(ref: SubjectKeyRef): Promise<boolean>;
  /**
   * Removes the subject's key outright, leaving no tombstone: for a key nothing was sealed with durably, made for a
   * record only the server could name (its first command, refused after the sealing). A tombstone stays as it is. True
   * when a key was there. Never for a record anyone else can name: a command in flight may be sealing with the key.
   */
  discard(ref: SubjectKeyRef): Promise<boolean>;
  /** Whether the subject has a key (not a tombstone). */
  has(ref: SubjectKeyRef): Promise<boolean>;
  /**
   * The subjects with a key (tombstones left out) of every tenant whose ref starts with `prefix`, by tenant then ref (byte order): how a process
   * finds the keys of a kind it left behind (an erasure's purge lists) without reading the log.
   */
  refsStartingWith(prefix: string): Promise<SubjectKeyRef[]>;
  close(): Promise<void>;
}

/** What a key store holds in place of a destroyed key: no key, for good. */
export const ERASED_KEY: Buffer = Buffer.alloc(0);

/** Whether a stored value is a destroyed key's tombstone. */
export const isErasedKey = (stored: Buffer | undefined): boolean => stored !== undefined && stored.length === 0;

/** Byte order of refs (tenant, then subject), as every adapter lists them. */
export const byRef = (a: SubjectKeyRef, b: SubjectKeyRef): number =>
  Buffer.compare(Buffer.from(a.tenantId), Buffer.from(b.tenantId)) || Buffer.compare(Buffer.from(a.subjectRef), Buffer.from(b.subjectRef));

const slot = (ref: SubjectKeyRef) => `${ref.tenantId}\n${ref.subjectRef}`;

/** For tests and CRM_EVENT_STORE=memory: keys live as long as the process. */
export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, Buffer>();

  async get(ref: SubjectKeyRef): Promise<Buffer | undefined> {
    return this.keys.get(slot(ref));
  }

  async create(ref: SubjectKeyRef, wrapped: Buffer): Promise<Buffer> {
    const existing = this.keys.get(slot(ref));
    if (existing !== undefined) return existing;
    this.keys.set(slot(ref), Buffer.from(wrapped));
    return wrapped;
  }

  async createMany(entries: readonly { readonly ref: SubjectKeyRef; readonly wrapped: Buffer }[]): Promise<Buffer[]> {
    const stored: Buffer[] = [];
    for (const { ref, wrapped } of entries) stored.push(await this.create(ref, wrapped));
    return stored;
  }

  async delete(ref: SubjectKeyRef): Promise<boolean> {
    const had = this.keys.get(slot(ref));
    had?.fill(0);
    this.keys.set(slot(ref), ERASED_KEY);
    return had !== undefined && !isErasedKey(had);
  }

  async discard(ref: SubjectKeyRef): Promise<boolean> {
    const had = this.keys.get(slot(ref));
    if (had === undefined || isErasedKey(had)) return false;
    had.fill(0);
    this.keys.delete(slot(ref));
    return true;
  }

  async has(ref: SubjectKeyRef): Promise<boolean> {
    const stored = this.keys.get(slot(ref));
    return stored !== undefined && !isErasedKey(stored);
  }

  async refsStartingWith(prefix: string): Promise<SubjectKeyRef[]> {
    const refs = [...this.keys.entries()].flatMap(([key, stored]) => {
      if (isErasedKey(stored)) return [];
      const cut = key.indexOf('\n');
      return [{ tenantId: key.slice(0, cut), subjectRef: key.slice(cut + 1) }];
    });
    return refs.filter((ref) => ref.subjectRef.startsWith(prefix)).sort(byRef);
  }

  async close(): Promise<void> {
    this.keys.clear();
  }
}
