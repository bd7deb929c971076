import { describeStatus, estimateLag, ProjectionRunner, type ProjectionStatus } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import { positiveWholeNumber } from '../args';
import { type CliIo, defineCommand, withStores } from '../context';
import { formatDuration, ProgressLine } from '../progress';
import { ProgressTotals, selectProjections } from '../projections';

type Outcome = 'done' | 'failed' | 'interrupted' | 'timed out';

const reached = (store: EventStore, checkpoint: string | undefined, head: string | undefined) =>
  head === undefined || (checkpoint !== undefined && store.comparePositions(checkpoint, head) >= 0);

/** Until every lane has reached `head` and no rebuild is pending, or one stops on an error, or Ctrl-C, or `deadline`. */
async function settle(
  runner: ProjectionRunner,
  store: EventStore,
  head: string | undefined,
  io: CliIo,
  deadline: number,
): Promise<Outcome> {
  let interrupted = false;
  void io.interrupted.then(() => (interrupted = true));
  for (;;) {
    const statuses = await runner.status();
    if (statuses.some((s) => s.error || s.rebuild?.error)) return 'failed';
    if (statuses.every((s) => !s.rebuild && reached(store, s.checkpoint, head))) return 'done';
    if (interrupted) return 'interrupted';
    if (Date.now() >= deadline) return 'timed out';
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function statusLines(statuses: readonly ProjectionStatus[]): string {
  return statuses.map((status) => `  ${describeStatus(status)}\n`).join('');
}

const OPTIONS = {
  timeout: { type: 'string', value: '<s>', description: 'give up after this many seconds, as Ctrl-C would (default: no limit)' },
} as const;

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 'catch projections up from their checkpoints, with progress',
  usage: 'crm-cli replay <projection|all> [--timeout <s>]',
  details:
    'Starts the projections from where they stopped (their checkpoints) and runs them up to the head of\n' +
    'the log as it is now; a projection stopped by an error retries that event; one whose code version\n' +
    'changed is rebuilt and switched over. Progress (events done/total, events/s, ETA) goes to stderr.\n' +
    'Each projection has one writer across processes (leases in the read store): one the API or\n' +
    'crm-projector runs is left to it, and this waits until it has caught up. --timeout bounds the catching\n' +
    'up, waits included: past it, this stops after the batch in hand (checkpoints kept) and exits 1.',
  options: OPTIONS,
  run: (args, io) =>
    withStores(io, async ({ config, events, readStore }) => {
      const [target, ...extra] = args.positionals;
      const projections = selectProjections(target);
      const timeout = args.options.timeout === undefined ? undefined : positiveWholeNumber(args.options.timeout, 0, '--timeout');
      const deadline = timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeout * 1000;
      if (extra.length > 0) io.stderr.write(`ignoring extra arguments: ${extra.join(' ')}\n`);
      const store = await readStore();
      const head = await events.headPosition();
      const remaining = new Map<string, number | undefined>();
      for (const { name } of projections) remaining.set(name, estimateLag((await store.loadState(name))?.checkpoint, head));
      const totals = new ProgressTotals(remaining);
      const line = new ProgressLine(io.stderr, `replay ${target}`);
      // A second writer next to a running API or projector (no lease) folded the same events into the same documents
      // twice, and its summaries were off for good (an outside probe: the funnel 16 leads short after 8 replays).
      const runner = new ProjectionRunner({
        eventStore: events,
        readStore: store,
        projections,
        ownership: { ttlMs: config.leaseTtlMs },
        retireGraceMs: config.rebuildGraceMs,
        onProgress: (progress) => {
          totals.record(progress);
          line.update(totals.done, totals.total);
        },
      });
      await runner.start();
      // Projections another process owns (the API, crm-projector): this stands by for them and waits for their owner.
      const standingBy = async () => (await runner.status()).filter((status) => status.phase === 'standby');
      const waiting = (await standingBy()).map((status) => status.name);
      if (waiting.length > 0) {
        const owners = new Map((await store.listLeases()).map((lease) => [lease.name, lease.owner]));
        const named = waiting.map((name) => `${name} (${owners.get(name) ?? 'another process'})`).join(', ');
        io.stderr.write(`run by another process: ${named}; waiting for it to catch up, or for its lease to lapse (Ctrl-C stops waiting)\n`);
      }
      let outcome: Outcome;
      let elsewhere: readonly ProjectionStatus[] = [];
      try {
        outcome = await settle(runner, events, head, io, deadline);
        elsewhere = await standingBy();
        // Builds a rebuild replaced, their grace over: dropped here too, where no server runs to drop them.
        if (outcome === 'done') await runner.dropRetiredCollections();
      } finally {
        await runner.stop();
      }
      const seconds = line.elapsedMs / 1000;
      line.finish(
        `replay ${target}: ${outcome === 'done' ? 'caught up' : outcome} at ${head ?? 'an empty log'} in ${formatDuration(seconds)}`,
      );
      io.stdout.write(statusLines(await runner.status()));
      const names = elsewhere.map((status) => status.name).join(', ');
      if (outcome === 'done' && elsewhere.length > 0) io.stderr.write(`caught up by the process that runs them: ${names}\n`);
      if (outcome === 'failed' && elsewhere.some((status) => status.error))
        io.stderr.write(`stopped on an error in the process that runs it (${names}): see its log, and crm-cli status\n`);
      else if (outcome === 'failed') io.stderr.write('a projection stopped on an error: fix it and replay again (it retries that event)\n');
      if (outcome === 'interrupted') io.stderr.write('interrupted: the next replay (or the projector) goes on from the checkpoints\n');
      if (outcome === 'timed out') {
        const owners = new Map((await store.listLeases()).map((lease) => [lease.name, lease.owner]));
        const behind = (await runner.status())
          .filter((status) => status.rebuild || !reached(events, status.checkpoint, head))
          .map(
            (status) =>
              `${status.name} at ${status.checkpoint ?? 'the start'}${elsewhere.some((other) => other.name === status.name) ? ` (run by ${owners.get(status.name) ?? 'another process'})` : ''}`,
          );
        io.stderr.write(
          `not caught up to ${head ?? 'the head'} after ${timeout}s: ${behind.join(', ')}; the next replay goes on from the checkpoints\n`,
        );
      }
      return outcome === 'done' ? 0 : 1;
    }),
});
