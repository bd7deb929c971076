import type { AnyProjection } from './projection';
import type { ReadStore } from './read-store';

/** What a kept answer needs of a projection it is read from. */
export type AnswerSource = Pick<AnyProjection, 'name' | 'readsPersonalData'>;

interface Kept<A> {
  /** The checkpoints of the sources, read before the answer was computed. */
  readonly marks: string;
  readonly answer: A;
}

/**
 * A view's answers kept between requests (the last one per key, `limit` keys in all, the least recently asked
 * forgotten first), each served again only while none of the projections it was read from has applied anything
 * since: a request costs a checkpoint read per source instead of the reads and the folding behind the answer.
 *
 * Why an unmoved checkpoint means unchanged documents: a projection commits its documents and its checkpoint in one
 * transaction (`batch.ts`), and a rebuild writes another collection (which the key names). The one other writer of
 * documents is an erasure's purge, which leaves a projection's checkpoint as it is; it never touches the read models
 * of projections that read no personal data, so only those may be sources (any other is refused). The checkpoints are
 * read before the answer is computed: a change committed meanwhile may be in the answer, and moves the checkpoint, so
 * the next request computes afresh. A kept answer is handed to every request that gets it: it is frozen, so a caller
 * that would change it fails at once instead of changing the others' answers.
 */
export class KeptAnswers<A> {
  private readonly kept = new Map<string, Kept<A>>();

  constructor(private readonly limit = 64) {}

  async answer(
    store: Pick<ReadStore, 'loadCheckpoint'>,
    sources: readonly AnswerSource[],
    key: string,
    compute: () => Promise<A>,
  ): Promise<A> {
    const purged = sources.filter((source) => source.readsPersonalData !== false);
    if (purged.length > 0) {
      throw new Error(
        `answers read from ${purged.map((source) => source.name).join(', ')} cannot be kept: an erasure purges them in place`,
      );
    }
    const marks = JSON.stringify(await Promise.all(sources.map((source) => store.loadCheckpoint(source.name))));
    const kept = this.kept.get(key);
    this.kept.delete(key);
    if (kept !== undefined && kept.marks === marks) {
      this.kept.set(key, kept);
      return kept.answer;
    }
    const answer = deepFreeze(await compute());
    this.kept.set(key, { marks, answer });
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= this.limit) break;
      this.kept.delete(oldest);
    }
    return answer;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}
