import type { DocumentRecord } from '@crm/shared/read-model';

/**
 * The documents a lane wrote or read last, so a batch need not load them
 * again: a lane is the only writer of its collection, which keeps the copies
 * true. `null` remembers that a document does not exist (a rebuild creates
 * most of its documents). Least recently used entries go first. The lane
 * clears it whenever a batch does not commit cleanly.
 */
export class DocumentCache {
  private readonly entries = new Map<string, DocumentRecord<object> | null>();

  constructor(private readonly capacity: number) {}

  /** Splits ids into the ones known here (with their record or null) and the ones to load. */
  lookup(ids: readonly string[]): { known: Map<string, DocumentRecord<object>>; unknown: string[] } {
    const known = new Map<string, DocumentRecord<object>>();
    const unknown: string[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry === undefined) unknown.push(id);
      else if (entry !== null) known.set(id, entry);
    }
    return { known, unknown };
  }

  remember(id: string, record: DocumentRecord<object> | null): void {
    if (this.capacity <= 0) return;
    this.entries.delete(id);
    this.entries.set(id, record);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}
