import type { CheckpointStore } from '@crm/shared/event-sourcing';
import type { Fence, ReadStore } from '@crm/shared/read-model';
import { instantOf } from '@crm/service/domain';
import { openDeadlinesKey, type OpenDeadlines } from './open-deadlines.projection';

/**
 * Where the watcher keeps its documents. The checkpoint lives with them so the two
 * always agree: the read-store one commits both in one transaction (fenced by the
 * watcher's lease when given one); the in-memory one starts empty and is rebuilt from `$all`.
 */
export interface OpenDeadlinesReadModel extends CheckpointStore {
  /**
   * True when other processes read and write the same documents (a read store they share):
   * only the holder of the watcher's lease feeds it then, each commit fenced by that lease.
   * A model of the process's own (in memory) is fed in every process, owner or standby.
   */
  readonly shared?: boolean;
  get(tenantId: string, streamId: string): Promise<OpenDeadlines | undefined>;
  put(doc: OpenDeadlines): Promise<void>;
  /** Complaints with a milestone past due at `now`, most overdue first. */
  pastDue(now: string, limit: number): Promise<readonly OpenDeadlines[]>;
  /** Commits the checkpoint (with every document put before it); refused whole when `fence` no longer holds. */
  saveCheckpoint(name: string, checkpoint: string, fence?: Fence): Promise<void>;
}

/** When a document is next due, in ms since the epoch: deadlines may be spelled differently, instants compare. */
function dueAtOf(doc: OpenDeadlines): number | undefined {
  return doc.nextDueAt === undefined ? undefined : instantOf(doc.nextDueAt, 'nextDueAt');
}

/** Strictly before `at`, most overdue first (met at exactly the deadline is met: the domain's boundary rule). */
function mostOverdue(docs: Iterable<OpenDeadlines>, at: number, limit: number): OpenDeadlines[] {
  const due: { doc: OpenDeadlines; dueAt: number }[] = [];
  for (const doc of docs) {
    const dueAt = dueAtOf(doc);
    if (dueAt !== undefined && dueAt < at) due.push({ doc, dueAt });
  }
  return due
    .sort((a, b) => a.dueAt - b.dueAt)
    .slice(0, limit)
    .map((entry) => entry.doc);
}

export class InMemoryOpenDeadlines implements OpenDeadlinesReadModel {
  private readonly docs = new Map<string, OpenDeadlines>();
  private readonly checkpoints = new Map<string, string>();

  async get(tenantId: string, streamId: string): Promise<OpenDeadlines | undefined> {
    return this.docs.get(openDeadlinesKey(tenantId, streamId));
  }

  async put(doc: OpenDeadlines): Promise<void> {
    this.docs.set(openDeadlinesKey(doc.tenantId, doc.streamId), doc);
  }

  async pastDue(now: string, limit: number): Promise<readonly OpenDeadlines[]> {
    return mostOverdue(this.docs.values(), instantOf(now, 'now'), limit);
  }

  async loadCheckpoint(name: string): Promise<string | undefined> {
    return this.checkpoints.get(name);
  }

  async saveCheckpoint(name: string, checkpoint: string): Promise<void> {
    this.checkpoints.set(name, checkpoint);
  }
}

/** The collection of the watcher's documents in the read store (not a projection: the watcher feeds it). */
export const OPEN_DEADLINES_COLLECTION = 'sla_open_deadlines';

/** A document as stored: with its next due instant as a number, the field the due query reads through its index. */
type StoredOpenDeadlines = OpenDeadlines & { readonly nextDueMs?: number };

/**
 * The watcher's documents in the read store, next to its checkpoint: a restart resumes from
 * the checkpoint instead of folding the whole log again, and a tick reads only the documents
 * due (`nextDueMs`, indexed). Documents put since the last checkpoint wait here and commit
 * with the next one, in one transaction: a crash loses both, and the events since are folded
 * again (the fold ignores what a document has already seen).
 */
export class ReadStoreOpenDeadlines implements OpenDeadlinesReadModel {
  readonly shared = true;
  private readonly pending = new Map<string, OpenDeadlines>();
  private indexed: Promise<void> | undefined;

  constructor(
    private readonly store: ReadStore,
    readonly collection = OPEN_DEADLINES_COLLECTION,
  ) {}

  async get(tenantId: string, streamId: string): Promise<OpenDeadlines | undefined> {
    const id = openDeadlinesKey(tenantId, streamId);
    const waiting = this.pending.get(id);
    if (waiting !== undefined) return waiting;
    const record = await this.store.get<StoredOpenDeadlines>(this.collection, id);
    return record === undefined ? undefined : stripped(record.doc);
  }

  async put(doc: OpenDeadlines): Promise<void> {
    this.pending.set(openDeadlinesKey(doc.tenantId, doc.streamId), doc);
  }

  async pastDue(now: string, limit: number): Promise<readonly OpenDeadlines[]> {
    await this.ready();
    const at = instantOf(now, 'now');
    // Uncommitted documents stand in for their stored versions, which may be due or no longer due.
    const records = await this.store.find<StoredOpenDeadlines>(this.collection, {
      where: { nextDueMs: { lt: at } },
      orderBy: [{ field: 'nextDueMs', direction: 'asc' }],
      limit: limit + this.pending.size,
    });
    const docs = new Map(records.map((record) => [record.id, stripped(record.doc)]));
    for (const [id, doc] of this.pending) docs.set(id, doc);
    return mostOverdue(docs.values(), at, limit);
  }

  /** Where a feed starts: what it put and never committed is dropped, since it folds those events again. */
  async loadCheckpoint(name: string): Promise<string | undefined> {
    this.pending.clear();
    return this.store.loadCheckpoint(name);
  }

  async saveCheckpoint(name: string, checkpoint: string, fence?: Fence): Promise<void> {
    await this.ready();
    const batch = [...this.pending];
    await this.store.transaction(
      (tx) => {
        for (const [id, doc] of batch) {
          const dueAt = dueAtOf(doc);
          tx.put(this.collection, id, dueAt === undefined ? doc : { ...doc, nextDueMs: dueAt });
        }
        tx.saveCheckpoint(name, checkpoint);
      },
      fence === undefined ? {} : { fence },
    );
    // A document put again while this committed waits for the next checkpoint.
    for (const [id, doc] of batch) if (this.pending.get(id) === doc) this.pending.delete(id);
  }

  private ready(): Promise<void> {
    this.indexed ??= this.store.ensureIndex(this.collection, ['nextDueMs']).catch((error: unknown) => {
      this.indexed = undefined;
      throw error;
    });
    return this.indexed;
  }
}

function stripped(doc: StoredOpenDeadlines): OpenDeadlines {
  const { nextDueMs: _index, ...rest } = doc;
  return rest;
}
