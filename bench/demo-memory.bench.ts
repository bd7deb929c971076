// What the demo history generator keeps as it runs: `npm run bench:demo-memory`. Runs `demoHistory` (seed 1, no
// store) to BENCH_EVENTS (default 2,000,000) and prints, at each quarter of the way, the V8 heap after a full
// garbage collection, the RSS and the seconds so far, then the heap's growth per million events between the first
// and the last mark. The generator's own state is what `crm-cli seed` cannot let go of; at 10M events its growth
// per million times ten is what a seed holds at the end on top of the store's caches.
import { demoHistory } from '@crm/demo-data';
import { size } from './bench-support';

const EVENTS = size('BENCH_EVENTS', 2_000_000);

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:demo-memory does)');
  const marks = [0.25, 0.5, 0.75, 1].map((share) => Math.round(EVENTS * share));
  const heaps: [number, number][] = [];
  const started = process.hrtime.bigint();
  let events = 0;
  process.stdout.write(`node ${process.version}: demoHistory to ${EVENTS.toLocaleString('en-US')} events (seed 1)\n`);
  for (const append of demoHistory({ events: EVENTS, seed: 1 })) {
    events += append.events.length;
    if (events < (marks[heaps.length] as number)) continue;
    gc();
    const memory = process.memoryUsage();
    heaps.push([events, memory.heapUsed]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(
      `${events.toLocaleString('en-US').padStart(12)} events  heap after GC ${(memory.heapUsed / 2 ** 20).toFixed(1).padStart(7)} MiB` +
        `  RSS ${(memory.rss / 2 ** 20).toFixed(0).padStart(5)} MiB  ${seconds.toFixed(0).padStart(4)} s\n`,
    );
    if (heaps.length === marks.length) break;
  }
  const [first, last] = [heaps[0], heaps[heaps.length - 1]] as [[number, number], [number, number]];
  const perMillion = ((last[1] - first[1]) / 2 ** 20 / (last[0] - first[0])) * 1e6;
  process.stdout.write(`heap growth: ${perMillion.toFixed(1)} MiB per million events\n`);
}

main();
