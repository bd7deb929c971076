import { ProjectionRunner } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import type { AnyProjection, ReadStore } from '@crm/shared/read-model';
import { measure, printComparison, size, type Figure } from './bench-support';

export interface RebuildBench {
  readonly title: string;
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly projections: readonly AnyProjection[];
  /** Events in the log. */
  readonly total: number;
  /** How many events of each type the log holds, to show each projection's share. */
  readonly typeCounts: ReadonlyMap<string, number>;
  /** The raw driver reading the whole `$all` once: bare SELECT pages + JSON parsing. */
  readonly rawRead: () => Promise<void>;
}

const add = (a: Figure, b: Figure): Figure => ({ label: a.label, count: a.count + b.count, seconds: a.seconds + b.seconds });

/**
 * Rebuild rate next to the raw `$all` read rate, measured in alternating
 * rounds in the same run, so disk and cache drift hit both alike. Both are
 * events of the log per second, so the ratio is the time the raw driver
 * takes to read (and parse) the whole log over the time a rebuild takes:
 * reading its own event types (the store filters the rest out, in SQL where
 * it can), applying them batch by batch (one transaction each) and switching over.
 */
export async function benchRebuilds(bench: RebuildBench): Promise<void> {
  const { eventStore, readStore, total } = bench;
  const only = process.env['BENCH_PROJECTIONS']?.split(',').filter((name) => name !== '');
  const projections = only ? bench.projections.filter((projection) => only.includes(projection.name)) : bench.projections;
  if (projections.length === 0) throw new Error('no projections are registered: nothing to rebuild');
  const rounds = size('BENCH_ROUNDS', 2);
  const handled = (projection: AnyProjection) => projection.eventTypes.reduce((sum, type) => sum + (bench.typeCounts.get(type) ?? 0), 0);
  const allHandled = projections.reduce((sum, projection) => sum + handled(projection), 0);
  const runner = new ProjectionRunner({ eventStore, readStore, projections });
  const head = await eventStore.headPosition();
  const initial = await measure('initial', total, async () => {
    await runner.start();
    if (head !== undefined) await runner.waitFor('all', head, 30 * 60_000);
  });
  let raw: Figure = { label: 'raw', count: 0, seconds: 0 };
  const rebuilds = new Map(projections.map((p) => [p.name, { label: p.name, count: 0, seconds: 0 } as Figure]));
  let oneScan: Figure = { label: 'one scan', count: 0, seconds: 0 };
  try {
    for (let round = 0; round < rounds; round += 1) {
      raw = add(raw, await measure('raw', total, bench.rawRead));
      for (const projection of projections) {
        const figure = await measure(projection.name, total, async () => void (await runner.rebuild(projection.name)));
        rebuilds.set(projection.name, add(rebuilds.get(projection.name) as Figure, figure));
      }
      oneScan = add(oneScan, await measure('one scan', total, async () => void (await runner.rebuildMany(projections.map((p) => p.name)))));
    }
  } finally {
    await runner.stop();
  }
  // `crm rebuild all` runs with leases and leaves the replaced builds to be dropped after the grace
  // (CRM_REBUILD_GRACE_MS), outside its own time; the rows above drop them at once, inside it.
  const cli = new ProjectionRunner({ eventStore, readStore, projections, ownership: { ttlMs: 15_000 }, retireGraceMs: 3_600_000 });
  let asCli: Figure = { label: 'as the CLI', count: 0, seconds: 0 };
  try {
    await cli.start();
    if (head !== undefined) await cli.waitFor('all', head, 30 * 60_000);
    for (let round = 0; round < rounds; round += 1) {
      raw = add(raw, await measure('raw', total, bench.rawRead));
      asCli = add(asCli, await measure('as the CLI', total, async () => void (await cli.rebuildMany(projections.map((p) => p.name)))));
    }
  } finally {
    await cli.stop();
  }
  const all = { label: 'all', count: total * rounds, seconds: [...rebuilds.values()].reduce((sum, figure) => sum + figure.seconds, 0) };
  printComparison(`${bench.title} — ${total.toLocaleString('en')} mixed events, ${projections.length} projections, ${rounds} rounds`, [
    { name: 'read $all, raw driver (events/s)', store: raw },
    ...projections.map((projection) => ({
      name: `rebuild ${projection.name} (applies ${handled(projection).toLocaleString('en')})`,
      store: rebuilds.get(projection.name) as Figure,
      raw,
    })),
    { name: `rebuild all ${projections.length}, one after another`, store: all, raw },
    { name: `rebuild all ${projections.length}, one scan of $all`, store: oneScan, raw },
    { name: `  the same as \`crm rebuild all\` (leases, old builds dropped later)`, store: asCli, raw },
    { name: `first build of all ${projections.length}, side by side`, store: initial, raw },
  ]);
  process.stdout.write(
    `(events of the log per second; the ${projections.length} rebuilds apply ${allHandled.toLocaleString('en')} events in all, each reading only its own types)\n`,
  );
}
