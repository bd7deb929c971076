import type { CheckpointStore } from '@crm/shared/event-sourcing';
import { instantOf } from '@crm/service/domain';
import { openDeadlinesKey, type OpenDeadlines } from './open-deadlines.projection';

/**
 * Where the watcher keeps its documents. The checkpoint lives with them so the two
 * always agree: a durable store (the projections runtime's read store) commits both
 * in one transaction; this in-memory one starts empty and is rebuilt from `$all`.
 */
export interface OpenDeadlinesReadModel extends CheckpointStore {
  get(tenantId: string, streamId: string): Promise<OpenDeadlines | undefined>;
  put(doc: OpenDeadlines): Promise<void>;
  /** Complaints with a milestone past due at `now`, most overdue first. */
  pastDue(now: string, limit: number): Promise<readonly OpenDeadlines[]>;
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
    const at = instantOf(now, 'now');
    const due: { doc: OpenDeadlines; dueAt: number }[] = [];
    for (const doc of this.docs.values()) {
      const dueAt = doc.nextDueAt === undefined ? undefined : instantOf(doc.nextDueAt, 'nextDueAt');
      // Strictly after: met at exactly the deadline is met (the domain's boundary rule).
      if (dueAt !== undefined && dueAt < at) due.push({ doc, dueAt });
    }
    return due
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit)
      .map((entry) => entry.doc);
  }

  async loadCheckpoint(name: string): Promise<string | undefined> {
    return this.checkpoints.get(name);
  }

  async saveCheckpoint(name: string, checkpoint: string): Promise<void> {
    this.checkpoints.set(name, checkpoint);
  }
}
