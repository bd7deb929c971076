import { ProjectionRunner, rebuildStateName, type ProjectionProgress } from '@crm/projections/runtime';
import type { AnyProjection } from '@crm/shared/read-model';
import { UsageError } from '../args';
import { type CliIo, defineCommand, type Stores, withStores } from '../context';
import { parseAsOf } from '../instants';
import { formatCount, formatDuration, ProgressLine } from '../progress';
import { progressCounts, selectProjections } from '../projections';

const OPTIONS = {
  'as-of': { type: 'string', value: '<date|position>', description: 'time travel: build as of this ISO date / date-time or log position' },
  target: {
    type: 'string',
    value: '<collection>',
    description: 'with --as-of: the collection to build into (default <collection>_as_of_<when>)',
  },
} as const;

/** Blue/green, one projection after the other: each builds a new collection and switches once level. */
async function rebuildAll(projections: readonly AnyProjection[], { config, events, readStore }: Stores, io: CliIo): Promise<number> {
  const store = await readStore();
  const lines = new Map<string, ProgressLine>();
  const latest = new Map<string, ProjectionProgress>();
  const report = (progress: ProjectionProgress) => {
    if (progress.phase !== 'rebuild' || progress.done) return;
    latest.set(progress.projection, progress);
    const { done, total } = progressCounts(progress);
    lines.get(progress.projection)?.update(done, total);
  };
  // Runner-wide too: a rebuild a crash interrupted resumes on start(), before rebuild() is called for it.
  // With leases, as every serving process: next to a running API or projector, each new build is handed to the
  // projection's owner, which switches to it; with nobody serving, this process owns the projections and switches itself.
  // It serves nothing meanwhile: every projection it runs is rebuilt here, so each is built once (the rebuild), not
  // also from the start by its serving lane on a never-built store.
  const runner = new ProjectionRunner({
    eventStore: events,
    readStore: store,
    projections,
    onProgress: report,
    ownership: { ttlMs: config.leaseTtlMs },
    retireGraceMs: config.rebuildGraceMs,
    serve: false,
  });
  let interrupted = false;
  void io.interrupted.then(() => {
    interrupted = true;
    return runner.stop();
  });
  const resuming = new Map<string, string | undefined>();
  for (const { name } of projections) {
    const pending = await store.loadState(rebuildStateName(name));
    if (pending?.collection) resuming.set(name, pending.checkpoint);
  }
  await runner.start();
  let current: ProgressLine | undefined;
  try {
    if (projections.length > 1) {
      for (const [name, from] of resuming) io.stderr.write(`${name}: resuming the interrupted rebuild from ${from ?? 'the start'}\n`);
      // One scan of the log feeds every build: one line for all of them, at the pace of the slowest.
      const line = new ProgressLine(io.stderr, `rebuild ${projections.length} projections, one scan of the log`);
      current = line;
      const scan = new Map<string, { done: number; total: number | undefined }>();
      const results = await runner.rebuildMany(
        projections.map((p) => p.name),
        {
          onProgress: (progress) => {
            if (progress.phase !== 'rebuild' || progress.done) return;
            latest.set(progress.projection, progress);
            scan.set(progress.projection, progressCounts(progress));
            const counts = [...scan.values()];
            line.update(Math.min(...counts.map((c) => c.done)), counts[0]?.total);
          },
        },
      );
      current = undefined;
      const total = Math.max(0, ...[...latest.values()].map((progress) => progressCounts(progress).total ?? 0));
      const seconds = line.elapsedMs / 1000;
      line.finish(
        `rebuild ${projections.length} projections: done in ${formatDuration(seconds)} (${formatCount(total)} events of the log, ${formatCount(seconds > 0 ? total / seconds : 0)} events/s)`,
      );
      for (const result of results) {
        io.stdout.write(
          `${result.projection}: serving ${result.collection} at ${result.checkpoint ?? 'the start'}${result.previousCollection ? ` (replaced ${result.previousCollection})` : ''}\n`,
        );
      }
    }
    for (const { name } of projections.length > 1 ? [] : projections) {
      if (interrupted) break;
      if (resuming.has(name)) io.stderr.write(`${name}: resuming the interrupted rebuild from ${resuming.get(name) ?? 'the start'}\n`);
      const line = new ProgressLine(io.stderr, `rebuild ${name}`);
      current = line;
      lines.set(name, line);
      const result = await runner.rebuild(name, { onProgress: report });
      current = undefined;
      const progress = latest.get(name);
      const total = progress ? (progressCounts(progress).total ?? 0) : 0;
      const seconds = line.elapsedMs / 1000;
      line.finish(
        `rebuild ${name}: done in ${formatDuration(seconds)} (${formatCount(total)} events of the log, ${formatCount(seconds > 0 ? total / seconds : 0)} events/s)`,
      );
      io.stdout.write(
        `${name}: serving ${result.collection} at ${result.checkpoint ?? 'the start'}${result.previousCollection ? ` (replaced ${result.previousCollection})` : ''}\n`,
      );
    }
  } catch (error) {
    current?.finish();
    if (!interrupted) throw error;
  } finally {
    await runner.stop();
  }
  if (interrupted) io.stderr.write('interrupted: the rebuild resumes from its checkpoint at the next rebuild, replay or projector start\n');
  return interrupted ? 1 : 0;
}

/** Time travel: the projection as of then, into a collection of its own; the serving build is not touched. */
async function rebuildAsOf(
  projection: AnyProjection,
  asOf: string,
  target: string | undefined,
  { events, readStore }: Stores,
  io: CliIo,
): Promise<number> {
  const until = parseAsOf(asOf);
  if ('position' in until) {
    try {
      events.comparePositions(until.position, until.position);
    } catch {
      throw new UsageError(`--as-of ${asOf} is not a position of this event store`);
    }
  }
  const when = 'position' in until ? `through position ${until.position}` : `recorded before ${until.occurredBefore}`;
  const collection = target ?? `${projection.collection}_as_of_${asOf.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
  const runner = new ProjectionRunner({ eventStore: events, readStore: await readStore(), projections: [projection] });
  const line = new ProgressLine(io.stderr, `${projection.name} as of ${asOf}`);
  const result = await runner.rebuildAsOf({
    name: projection.name,
    until,
    target: collection,
    onProgress: (progress) => {
      const { done, total } = progressCounts(progress);
      if (!progress.done) line.update(done, total);
    },
  });
  line.finish(`${projection.name} as of ${asOf}: done in ${formatDuration(line.elapsedMs / 1000)}`);
  io.stdout.write(
    `${projection.name} (events ${when}) built into ${result.target}: ${formatCount(result.eventsApplied)} events applied, ` +
      `last position ${result.lastPosition ?? 'none'}\n`,
  );
  return 0;
}

export const rebuildCommand = defineCommand({
  name: 'rebuild',
  summary: 'rebuild into a new version and switch when caught up; --as-of: time travel into a separate target',
  usage: 'crm-cli rebuild <projection|all>\n       crm-cli rebuild <projection> --as-of <ISO date | position> [--target <collection>]',
  details:
    'Without --as-of: builds each projection from the start into a fresh collection while the current one\n' +
    'keeps serving, then switches in one transaction and drops the old one. An interrupted rebuild (Ctrl-C,\n' +
    'a crash) resumes from its checkpoint at the next start. Progress on stderr: events done/total, events/s, ETA.\n' +
    'With --as-of: builds the projection from the events up to that position (inclusive) or recorded before\n' +
    'that time (a date alone: through the end of that UTC day) into --target, a collection of its own.\n' +
    'Next to a running API or crm-projector, the new build is handed to the process that owns the projection\n' +
    '(leases in the read store), which catches it up and switches to it; the command returns once it serves.\n' +
    'The replaced collection is dropped after CRM_REBUILD_GRACE_MS.',
  options: OPTIONS,
  run: async (args, io) => {
    const [target, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const projections = selectProjections(target);
    const asOf = args.options['as-of'];
    if (asOf === undefined && args.options.target !== undefined) throw new UsageError('--target goes with --as-of');
    if (asOf !== undefined && target === 'all') throw new UsageError('--as-of builds one projection: name it');
    if (asOf !== undefined) parseAsOf(asOf); // a bad date is a usage error before anything opens
    return withStores(io, (stores) =>
      asOf === undefined
        ? rebuildAll(projections, stores, io)
        : rebuildAsOf(projections[0] as AnyProjection, asOf, args.options.target, stores, io),
    );
  },
});
