import { ProjectionRunner, rebuildStateName, TimeTravelTargetError, type RebuildResult } from '@crm/projections/runtime';
import { ownerIsGone, type AnyProjection } from '@crm/shared/read-model';
import { UsageError } from '../args';
import { type CliIo, defineCommand, type Stores, withStores } from '../context';
import { parseAsOf } from '../instants';
import { BuildProgress, formatCount, formatDuration, ProgressLine } from '../progress';
import { progressCounts, selectProjections } from '../projections';
import { rebuildGroup, slowestThread, splitProjections, startRebuildWorker, threadOptions } from '../rebuild-threads';

const OPTIONS = {
  'as-of': { type: 'string', value: '<date|position>', description: 'time travel: build as of this ISO date / date-time or log position' },
  target: {
    type: 'string',
    value: '<collection>',
    description: 'with --as-of: the collection to build into (default <collection>_as_of_<when>)',
  },
} as const;

/**
 * Blue/green: each projection builds a new collection and switches once level. Several (`all`) are rebuilt on
 * worker threads, each group from one scan of the log (rebuild-threads.ts); one alone, on this thread.
 */
async function rebuildAll(projections: readonly AnyProjection[], stores: Stores, io: CliIo): Promise<number> {
  const store = await stores.readStore();
  // A build whose rebuild lease is live is being made by another process (another crm-cli, or the owner finishing a
  // killed one's build): this command waits for its switch. Otherwise a recorded build was interrupted and resumes,
  // also one whose lease has not lapsed yet but whose holder is a process of this machine that no longer runs (the
  // runner releases such leases when it starts, `expireLeasesOfGoneOwners`).
  const now = new Date().toISOString();
  const building = new Map(
    (await store.listLeases())
      .filter((lease) => lease.expiresAt > now && !ownerIsGone(lease.owner))
      .map((lease) => [lease.name, lease] as const),
  );
  for (const { name } of projections) {
    const pending = await store.loadState(rebuildStateName(name));
    if (!pending?.collection) continue;
    const holder = building.get(rebuildStateName(name));
    io.stderr.write(
      holder
        ? `${name}: being rebuilt by another process, ${holder.owner} (its lease is live until ${holder.expiresAt}); ` +
            'waiting for that build to serve, or for the lease to lapse\n'
        : `${name}: resuming the interrupted rebuild from ${pending.checkpoint ?? 'the start'}\n`,
    );
  }
  return projections.length > 1 ? rebuildInThreads(projections, io) : rebuildHere(projections, stores, io);
}

/** Each group of projections on a worker thread of its own, from its own scan of the log; one line for all. */
async function rebuildInThreads(projections: readonly AnyProjection[], io: CliIo): Promise<number> {
  const { threads, heapMb } = threadOptions(io.env);
  const groups = splitProjections(projections, threads);
  // One scan per thread feeds its builds: one line for all of them, at the pace of the slowest.
  const line = new ProgressLine(
    io.stderr,
    `rebuild ${projections.length} projections, ${groups.length === 1 ? 'one scan of the log' : `${groups.length} threads, one scan of the log each`}`,
  );
  const scan = new BuildProgress();
  const slowest = slowestThread(groups.length);
  const workers = groups.map((group, index) =>
    startRebuildWorker(
      group.map((p) => p.name),
      io.env,
      heapMb,
      ({ projection, done, total }) => {
        const counts = scan.record(projection, done, total);
        line.update(slowest(index, projection, counts.done), scan.total);
      },
    ),
  );
  let interrupted = false;
  void io.interrupted.then(() => {
    interrupted = true;
    for (const worker of workers) worker.stop();
  });
  const finishedMs = workers.map(() => 0);
  workers.forEach(
    (worker, index) =>
      void worker.done.then(
        () => (finishedMs[index] = line.elapsedMs),
        () => undefined,
      ),
  );
  // Every group finishes (or fails) before the first failure is reported, as the projections of one scan do.
  const outcomes = await Promise.allSettled(workers.map((worker) => worker.done));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) {
    line.finish();
    if (!interrupted) throw failure.reason;
  }
  const done = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  if (interrupted || done.some((outcome) => outcome.interrupted)) {
    if (!failure) line.finish();
    io.stderr.write(INTERRUPTED);
    return 1;
  }
  finishWithRate(line, `rebuild ${projections.length} projections`, scan.total ?? 0);
  if (groups.length > 1) {
    groups.forEach((group, index) =>
      io.stderr.write(
        `  thread ${index + 1}: ${group.map((p) => p.name).join(', ')}: done in ${formatDuration((finishedMs[index] ?? 0) / 1000)}\n`,
      ),
    );
  }
  const results = new Map(done.flatMap((outcome) => outcome.results).map((result) => [result.projection, result]));
  for (const { name } of projections) {
    const result = results.get(name);
    if (result) io.stdout.write(describeResult(result));
  }
  return 0;
}

const INTERRUPTED = 'interrupted: the rebuild resumes from its checkpoint at the next rebuild, replay or projector start\n';

/** Ends the progress line with the time taken and the rate over the log's `total` events. */
function finishWithRate(line: ProgressLine, label: string, total: number): void {
  const seconds = line.elapsedMs / 1000;
  line.finish(
    `${label}: done in ${formatDuration(seconds)} (${formatCount(total)} events of the log, ${formatCount(seconds > 0 ? total / seconds : 0)} events/s)`,
  );
}

/**
 * What a rebuild ended with. The build served before may be this very one: another process (the projection's owner, or
 * a second `crm-cli rebuild` beside this one) switched to it first, and this command found it serving.
 */
export function describeResult(result: RebuildResult): string {
  const { previousCollection: previous, collection } = result;
  const replaced = !previous
    ? 'the first build: nothing served before'
    : previous === collection
      ? 'already serving it: another process switched to this build first'
      : `replaced ${previous}`;
  return `${result.projection}: serving ${collection} at ${result.checkpoint ?? 'the start'} (${replaced})\n`;
}

/** One projection, on this thread. */
async function rebuildHere(projections: readonly AnyProjection[], stores: Stores, io: CliIo): Promise<number> {
  const seen = new BuildProgress();
  const name = (projections[0] as AnyProjection).name;
  const line = new ProgressLine(io.stderr, `rebuild ${name}`);
  let outcome: Awaited<ReturnType<typeof rebuildGroup>>;
  try {
    outcome = await rebuildGroup(
      projections,
      stores,
      (progress) => {
        const counts = seen.record(progress.projection, progress.done, progress.total);
        line.update(counts.done, counts.total);
      },
      io.interrupted,
    );
  } catch (error) {
    line.finish();
    throw error;
  }
  if (outcome.interrupted) {
    line.finish();
    io.stderr.write(INTERRUPTED);
    return 1;
  }
  finishWithRate(line, `rebuild ${name}`, seen.total ?? 0);
  for (const result of outcome.results) io.stdout.write(describeResult(result));
  return 0;
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
    // Past the head, the build would stop at the head and be named after a position the log never reached.
    const head = await events.headPosition();
    if (head === undefined) throw new UsageError(`--as-of ${asOf} is past the head of the log: the log is empty`);
    if (events.comparePositions(until.position, head) > 0)
      throw new UsageError(`--as-of ${asOf} is past the head of the log, position ${head}`);
  }
  const when = 'position' in until ? `through position ${until.position}` : `recorded at or before ${asOf}`;
  const collection = target ?? `${projection.collection}_as_of_${asOf.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
  const runner = new ProjectionRunner({ eventStore: events, readStore: await readStore(), projections: [projection] });
  const line = new ProgressLine(io.stderr, `${projection.name} as of ${asOf}`);
  let result: Awaited<ReturnType<ProjectionRunner['rebuildAsOf']>>;
  try {
    result = await runner.rebuildAsOf({
      name: projection.name,
      until,
      target: collection,
      onProgress: (progress) => {
        const { done, total } = progressCounts(progress);
        if (!progress.done) line.update(done, total);
      },
    });
  } catch (error) {
    line.finish();
    // A target the rule refuses (docs/projection-runtime.md "Build names and time-travel targets") is the caller's to change: exit 2.
    if (error instanceof TimeTravelTargetError) throw new UsageError(`--target ${error.message}`);
    throw error;
  }
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
    'With --as-of: builds the projection from the events up to that position (inclusive; a position past the\n' +
    "head of the log is refused) or recorded at or before that time, as the API's asOf (a date alone: through\n" +
    'the end of that business day, Asia/Tehran unless CRM_BUSINESS_TIME_ZONE says otherwise) into --target,\n' +
    'a collection of its own:\n' +
    'refused (exit 2) when it has the form of a build, <collection>_v<version>_<generation> (a rebuild may take\n' +
    "that name), or is in use: a serving build, a build in progress or awaiting its drop, another projection's\n" +
    'as-of build, or an existing collection that is not an earlier as-of build of this projection.\n' +
    'Next to a running API or crm-projector, the new build is handed to the process that owns the projection\n' +
    '(leases in the read store), which catches it up and switches to it; the command returns once it serves.\n' +
    'The replaced collection is dropped after CRM_REBUILD_GRACE_MS, by the serving process or, where none runs,\n' +
    'by the next crm-cli replay.',
  options: OPTIONS,
  run: async (args, io) => {
    const [target, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const projections = selectProjections(target);
    const asOf = args.options['as-of'];
    if (asOf === undefined && args.options.target !== undefined) throw new UsageError('--target goes with --as-of');
    // An empty name would build into a collection named by its prefix alone (`rmd_`).
    if (args.options.target?.trim() === '') throw new UsageError('--target needs a collection name');
    if (asOf !== undefined && target === 'all') throw new UsageError('--as-of builds one projection: name it');
    if (asOf !== undefined) parseAsOf(asOf); // a bad date is a usage error before anything opens
    return withStores(io, (stores) =>
      asOf === undefined
        ? rebuildAll(projections, stores, io)
        : rebuildAsOf(projections[0] as AnyProjection, asOf, args.options.target, stores, io),
    );
  },
});
