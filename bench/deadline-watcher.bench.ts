// The complaint deadline watcher's start on a store with history, as the API starts it (leases in the read store):
// its view in memory (refolded from the start of the log on every start) against its view in the read store
// (documents and checkpoint committed together; a restart resumes from the checkpoint). For each: the first start
// and a restart, each timed until the view is caught up, with the complaint events folded and the longest gap
// between two turns of the event loop meanwhile (what requests on the API thread would wait).
import { createComplaintDecider } from '@crm/service/domain';
import {
  ComplaintDeadlineWatcher,
  InMemoryOpenDeadlines,
  ReadStoreOpenDeadlines,
  type OpenDeadlinesReadModel,
} from '@crm/service/application';
import { CommandExecutor } from '@crm/shared/http';
import { systemClock } from '@crm/shared/kernel';
import type { ReactorLeases } from '@crm/shared/read-model';
import { size } from './bench-support';
import { withSeededSqlite } from './seeded-sqlite';

interface StartFigure {
  readonly ms: number;
  readonly folded: number;
  readonly longestStallMs: number;
}

async function timedStart(executor: CommandExecutor, model: OpenDeadlinesReadModel, leases: ReactorLeases): Promise<StartFigure> {
  const watcher = new ComplaintDeadlineWatcher(executor, createComplaintDecider(), model, leases);
  let last = performance.now();
  let longest = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  try {
    await watcher.start();
    while (!watcher.caughtUp) await new Promise((resolve) => setTimeout(resolve, 1));
    const ms = performance.now() - started;
    longest = Math.max(longest, performance.now() - last);
    return { ms, folded: watcher.eventsFolded, longestStallMs: longest };
  } finally {
    clearInterval(beat);
    await watcher.stop();
  }
}

async function main(): Promise<void> {
  const events = size('BENCH_WATCHER_EVENTS', 100_000);
  await withSeededSqlite('crm-bench-watcher-', events, async ({ eventStore, readStore, events: seeded }) => {
    const executor = new CommandExecutor(eventStore, systemClock);
    const leases: ReactorLeases = { store: readStore, ttlMs: 15_000 };
    const rows: [string, StartFigure][] = [];
    // The in-memory view: a restart is a fresh process with a fresh model.
    rows.push(['in memory: first start', await timedStart(executor, new InMemoryOpenDeadlines(), leases)]);
    rows.push(['in memory: restart', await timedStart(executor, new InMemoryOpenDeadlines(), leases)]);
    // The read-store view: the restart's model is a new object over the same store.
    rows.push(['read store: first start', await timedStart(executor, new ReadStoreOpenDeadlines(readStore), leases)]);
    rows.push(['read store: restart', await timedStart(executor, new ReadStoreOpenDeadlines(readStore), leases)]);
    console.log(`deadline watcher start, ${seeded.toLocaleString('en')} events seeded (SQLite files, leases in the read store)`);
    console.log('| start | until caught up (ms) | complaint events folded | longest event-loop stall (ms) |');
    console.log('|---|---|---|---|');
    for (const [label, figure] of rows) {
      console.log(`| ${label} | ${figure.ms.toFixed(0)} | ${figure.folded.toLocaleString('en')} | ${figure.longestStallMs.toFixed(0)} |`);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
