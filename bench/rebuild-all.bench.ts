// Where a rebuild of all projections spends its time, projection by projection, and how long it holds the event loop:
// `npm run bench:rebuild-all`.
// The embedded store as shipped (events in crm.sqlite, read models in read-models.sqlite at NORMAL); one first build
// of every projection (side by side, as a server's worker makes it), then BENCH_ROUNDS rebuilds of all from one scan
// of `$all` (`crm rebuild all`), next to the raw driver's read of `$all`. BENCH_PROJECTION_EVENTS (default 50000),
// BENCH_ROUNDS (default 1), BENCH_PROJECTIONS=name,name (default all). Per projection: time inside its batches (fold and commit), batches, the longest batch.
// "Longest loop stall": the longest gap between two turns of the event loop (a 10 ms timer) while the work ran:
// what a status request to the read-side worker would wait for at most.
import { ALL_PROJECTIONS } from '@crm/platform';
import { ProjectionRunner, type BatchReport } from '@crm/projections/runtime';
import { size } from './bench-support';
import { withSeededSqlite } from './seeded-sqlite';

interface PerProjection {
  seconds: number;
  batches: number;
  events: number;
  longest: number;
}

function loopWatch(): { stop: () => number } {
  let last = process.hrtime.bigint();
  let longest = 0;
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    longest = Math.max(longest, Number(now - last) / 1e6);
    last = now;
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(longest, Number(process.hrtime.bigint() - last) / 1e6);
    },
  };
}

async function main(): Promise<void> {
  const events = size('BENCH_PROJECTION_EVENTS', 50_000);
  const rounds = size('BENCH_ROUNDS', 1);
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}, ${events.toLocaleString('en')} events\n`);
  await withSeededSqlite('crm-bench-rebuild-all-', events, async ({ eventStore, readStore, events: seededEvents, rawRead }) => {
    let stats = new Map<string, PerProjection>();
    const onBatch = (report: BatchReport) => {
      const entry = stats.get(report.projection) ?? { seconds: 0, batches: 0, events: 0, longest: 0 };
      entry.seconds += report.seconds;
      entry.batches += 1;
      entry.events += report.events;
      entry.longest = Math.max(entry.longest, report.seconds);
      stats.set(report.projection, entry);
    };
    const print = (title: string, seconds: number, stall: number, raw: number, cpu: NodeJS.CpuUsage) => {
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      process.stdout.write(
        `\n${title}: ${seconds.toFixed(2)} s, ${Math.round(seededEvents / seconds).toLocaleString('en')} events/s, ` +
          `${(raw / seconds).toFixed(2)}x the raw read (${raw.toFixed(3)} s); CPU ${cpuSeconds.toFixed(2)} s; longest loop stall ${Math.round(stall)} ms\n`,
      );
      process.stdout.write(
        `${'projection'.padEnd(32)}${'events'.padStart(8)}${'batches'.padStart(9)}${'in batches s'.padStart(14)}${'longest ms'.padStart(12)}\n`,
      );
      for (const [name, entry] of [...stats].sort((a, b) => b[1].seconds - a[1].seconds)) {
        process.stdout.write(
          `${name.padEnd(32)}${String(entry.events).padStart(8)}${String(entry.batches).padStart(9)}${entry.seconds.toFixed(3).padStart(14)}${Math.round(
            entry.longest * 1000,
          )
            .toString()
            .padStart(12)}\n`,
        );
      }
    };
    const timeRaw = () => {
      const started = process.hrtime.bigint();
      rawRead();
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    const only = process.env['BENCH_PROJECTIONS']?.split(',').filter((name) => name !== '');
    const projections = only ? ALL_PROJECTIONS.filter((projection) => only.includes(projection.name)) : ALL_PROJECTIONS;
    const runner = new ProjectionRunner({ eventStore, readStore, projections, onBatch, ownership: { ttlMs: 15_000 } });
    const head = await eventStore.headPosition();
    try {
      let raw = timeRaw();
      let watch = loopWatch();
      let started = process.hrtime.bigint();
      let cpu = process.cpuUsage();
      await runner.start();
      if (head !== undefined) await runner.waitFor('all', head, 30 * 60_000);
      print('first build, side by side', Number(process.hrtime.bigint() - started) / 1e9, watch.stop(), raw, process.cpuUsage(cpu));
      for (let round = 0; round < rounds; round += 1) {
        stats = new Map();
        raw = timeRaw();
        watch = loopWatch();
        started = process.hrtime.bigint();
        cpu = process.cpuUsage();
        await runner.rebuildMany(projections.map((p) => p.name));
        const used = process.cpuUsage(cpu);
        print(`rebuild all, one scan (round ${round + 1})`, Number(process.hrtime.bigint() - started) / 1e9, watch.stop(), raw, used);
      }
    } finally {
      await runner.stop();
    }
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
