import { performance } from 'node:perf_hooks';

/**
 * How long the lanes of one runner may hold the event loop before they let it turn. A lane catching up
 * reads and commits synchronously (better-sqlite3) and awaits only settled promises, so without a turn
 * of the loop between batches a whole catch-up or rebuild runs as one chain of microtasks: no timer
 * (lease renewals), no message (the read-side worker's `status`) is served until every lane is done.
 * Every lane asks `pass()` in each batch right before its fold and commit (after its reads: lanes
 * interleave at every await, so asking earlier, all would pass at once and then fold one after another);
 * once the budget is spent, lanes go on one per turn of the loop (timers, I/O, messages run in between),
 * and the budget starts again with each. The loop is then held at most about the budget plus one fold
 * and commit, and the reads the lanes make before their next fold.
 */
export class LoopBudget {
  private since = performance.now();
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly budgetMs: number) {}

  /**
   * At once while within the budget and no lane waits; otherwise in turn, one lane per turn of the loop: a
   * lane let through resumes (and folds) in microtasks before anything else of that turn, so letting all
   * the waiting lanes through after one turn would have them all fold before the loop turns again.
   */
  pass(): Promise<void> | undefined {
    if (this.waiting.length === 0 && performance.now() - this.since < this.budgetMs) return undefined;
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.since = performance.now();
      this.waiting.shift()?.();
      // Scheduled from the check phase, the next one runs after the loop has turned (timers, I/O, messages).
      if (this.waiting.length > 0) this.schedule();
    });
  }
}
