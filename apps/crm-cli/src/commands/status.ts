import { builtFromAnotherLog, estimateLag, rebuildStateName } from '@crm/projections/runtime';
import type { AnyProjection, ProjectionFailure, ProjectionState, ReadStore } from '@crm/shared/read-model';
import { pastHead, type EventStore } from '@crm/shared/event-sourcing';
import { ALL_PROJECTIONS } from '@crm/platform';
import { UsageError } from '../args';
import { defineCommand, withStores } from '../context';
import { formatCount } from '../progress';
import { cellText, table } from '../table';

export interface BuildReport {
  readonly collection: string | undefined;
  readonly version: number | undefined;
  readonly checkpoint: string | undefined;
  /** Events behind the head, estimated from positions. */
  readonly lag: number | undefined;
  /**
   * The build was made from another log (`builtFromAnotherLog`): past this one's head, or its last event is not in it
   * (the log was restored from an older backup, or the environment names another store).
   */
  readonly aheadOfLog?: true;
  readonly documents: number;
  readonly error?: ProjectionFailure;
}

export interface ProjectionReport extends BuildReport {
  readonly name: string;
  readonly codeVersion: number;
  readonly rebuild?: BuildReport;
}

export interface StatusReport {
  readonly head: string | undefined;
  readonly projections: readonly ProjectionReport[];
  /** Checkpoints of other subscribers (process managers) kept beside the read models. */
  readonly checkpoints: readonly {
    readonly name: string;
    readonly checkpoint: string | undefined;
    readonly lag: number | undefined;
    /** Past the log's head: the subscriber starts over from the beginning at its next start (its reactions are idempotent). */
    readonly aheadOfLog?: true;
  }[];
}

type Log = Pick<EventStore, 'headPosition' | 'comparePositions' | 'findEvent'>;

async function build(
  store: ReadStore,
  state: ProjectionState | undefined,
  head: string | undefined,
  fromAnotherLog: (state: ProjectionState) => boolean,
): Promise<BuildReport> {
  const collection = state?.collection;
  return {
    collection,
    version: state?.version,
    checkpoint: state?.checkpoint,
    lag: collection === undefined ? estimateLag(undefined, head) : estimateLag(state?.checkpoint, head),
    ...(state?.collection !== undefined && fromAnotherLog(state) ? { aheadOfLog: true as const } : {}),
    documents: collection === undefined ? 0 : await store.count(collection),
    ...(state?.error ? { error: state.error } : {}),
  };
}

/**
 * What the runner persisted, read without running anything: safe next to a running API or projector. The head is
 * read after the states, so a build that a running process advances meanwhile is never taken for ahead of the log.
 */
export async function statusReport(store: ReadStore, log: Log, projections: readonly AnyProjection[]): Promise<StatusReport> {
  const all = await store.listStates();
  const states = new Map(all.map((state) => [state.name, state]));
  const head = await log.headPosition();
  const fromAnotherLog = await builtFromAnotherLog(log, all, head);
  const reports: ProjectionReport[] = [];
  for (const projection of projections) {
    const rebuild = states.get(rebuildStateName(projection.name));
    reports.push({
      name: projection.name,
      codeVersion: projection.version,
      ...(await build(store, states.get(projection.name), head, fromAnotherLog)),
      ...(rebuild ? { rebuild: await build(store, rebuild, head, fromAnotherLog) } : {}),
    });
    states.delete(projection.name);
    states.delete(rebuildStateName(projection.name));
  }
  const checkpoints = [...states.values()]
    // A subscriber keeps a checkpoint and no collection; the record of builds a switch replaced (~retired) is not one.
    .filter((state) => state.collection === undefined && state.retired === undefined)
    .map((state) => ({
      name: state.name,
      checkpoint: state.checkpoint,
      lag: estimateLag(state.checkpoint, head),
      ...(pastHead(log, state.checkpoint, head) ? { aheadOfLog: true as const } : {}),
    }));
  return { head, projections: reports, checkpoints };
}

function failure(error: ProjectionFailure): string {
  // On one line, shown as cellText shows it: the message is a projection's error, which may quote an event's data.
  return cellText(
    `FAILED on ${error.type} (event ${error.eventId} of ${error.streamId}, position ${error.position}) at ${error.at}: ${error.message}`,
  );
}

function stateOf(report: ProjectionReport): string {
  if (report.error) return 'FAILED (see below)';
  if (report.aheadOfLog) return 'NOT FROM THIS LOG (ahead of it, or its last event gone): rebuilds on next start';
  if (report.rebuild) {
    const where = `${report.rebuild.collection} at ${report.rebuild.checkpoint ?? 'the start'}`;
    return `${report.rebuild.error ? 'rebuild FAILED' : 'rebuilding'} v${report.rebuild.version ?? '?'} into ${where}`;
  }
  if (report.collection === undefined) return 'never built';
  if (report.version !== report.codeVersion) return `built by v${report.version ?? '?'}: rebuilds on next start`;
  return report.lag === 0 ? 'caught up' : 'behind';
}

const lag = (value: number | undefined) => (value === undefined ? '?' : formatCount(value));

export function formatStatus(report: StatusReport, where: string): string {
  const lines = [`event store: ${where}; head ${report.head ?? '(empty)'}`, ''];
  lines.push(
    table(
      ['projection', 'version', 'position', 'lag', 'documents', 'collection', 'state'],
      report.projections.map((p) => [
        p.name,
        p.version === undefined || p.version === p.codeVersion ? `v${p.codeVersion}` : `v${p.version} (code v${p.codeVersion})`,
        p.checkpoint ?? '—',
        lag(p.lag),
        formatCount(p.documents),
        p.collection ?? '—',
        stateOf(p),
      ]),
    ),
  );
  if (report.checkpoints.length > 0) {
    lines.push(
      '',
      `other subscribers: ${report.checkpoints
        .map((c) => `${c.name} at ${c.checkpoint ?? 'the start'} (${c.aheadOfLog ? 'AHEAD of the log: starts over' : `lag ${lag(c.lag)}`})`)
        .join('; ')}`,
    );
  }
  const failures = report.projections.flatMap((p) => [
    ...(p.error ? [`${p.name}: ${failure(p.error)}`] : []),
    ...(p.rebuild?.error ? [`${p.name} (rebuild): ${failure(p.rebuild.error)}`] : []),
  ]);
  if (failures.length > 0) lines.push('', ...failures);
  return `${lines.join('\n')}\n`;
}

const OPTIONS = { json: { type: 'boolean', description: 'print the report as JSON' } } as const;

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'every projection: position, lag, documents, errors',
  usage: 'crm-cli status [--json]',
  details:
    'Reads what the projection runner persisted (states, checkpoints, errors), so it is safe while the API\n' +
    'or crm-projector runs. Exits with 1 when a projection is stopped by an error, or was built from\n' +
    'another log (past its head, or the last event folded is not in it: the log was restored from an older\n' +
    'backup, or the environment names another store); the next start of a server, projector or replay\n' +
    'builds it again.',
  options: OPTIONS,
  run: async (args, io) => {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    return withStores(io, async ({ config, events, readStore }) => {
      const report = await statusReport(await readStore(), events, ALL_PROJECTIONS);
      const where = config.eventStore === 'sqlite' ? `sqlite (${config.dataDir}/crm.sqlite)` : config.eventStore;
      io.stdout.write(args.options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, where));
      const ahead = report.projections.some((p) => p.aheadOfLog) || report.checkpoints.some((c) => c.aheadOfLog);
      return ahead || report.projections.some((p) => p.error || p.rebuild?.error) ? 1 : 0;
    });
  },
});
