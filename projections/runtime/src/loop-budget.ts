import { performance } from 'node:perf_hooks';

/**
 * How long the lanes of one runner may hold the event loop before they let it turn. A lane catching up
 * reads and commits synchronously (better-sqlite3) and awaits only settled promises, so without a turn
 * of the loop between batches a whole catch-up or rebuild runs as one chain of microtasks: no timer
 * (lease renewals), no message (the read-side worker's `status`) is served until every lane is done.
 * Every lane asks `pass()` before each batch; once the budget is spent, the next to ask waits for one
 * turn of the loop (timers, I/O, messages run), and the budget starts again. The loop is then held at
 * most the budget plus the batches already in hand.
 */
export class LoopBudget {
  private since = performance.now();

  constructor(private readonly budgetMs: number) {}

  /** At once while within the budget; otherwise after one turn of the event loop. */
  pass(): Promise<void> | undefined {
    if (performance.now() - this.since < this.budgetMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.since = performance.now();
        resolve();
      }),
    );
  }
}
