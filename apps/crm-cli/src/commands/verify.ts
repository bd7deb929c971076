import { positionOrdinal } from '@crm/projections/runtime';
import { GENESIS_HASH, verifyChain, type ChainVerification, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { innerStore } from '@crm/shared/personal-data';
import { UsageError } from '../args';
import { tenantScope } from '../identity';
import { defineCommand, withStores } from '../context';
import { formatCount, formatDuration, ProgressLine } from '../progress';
import { pagesUpTo } from '../event-export';

const PAGE = 1000;

/** A stream's chain as far as it was read: its last event, or broken (its first break was reported). */
type Head = { readonly revision: number; readonly hash: string } | 'broken';

export interface LogVerification {
  readonly events: number;
  readonly streams: number;
  readonly broken: number;
  /** The head the log was read up to, fixed when the check started. */
  readonly head: string | undefined;
}

/**
 * Every stream's hash chain across the whole log (one tenant's, or every tenant's), in $all order up to the head
 * when it starts: each event follows the one before it in its stream (its revision next, its prevHash that event's
 * hash, its own hash its content's). Read as stored, below the personal-data layer: the chain is over the sealed
 * form, and nothing is decrypted. Memory grows with the streams, not the events. `broken` is told each broken
 * stream once, at its first break.
 */
export async function verifyLog(
  store: EventStore,
  tenantId: string | undefined,
  broken: (event: RecordedEvent, verdict: Extract<ChainVerification, { ok: false }>) => void,
  onPage?: (done: number | undefined, total: number | undefined) => void,
): Promise<LogVerification> {
  const head = await store.headPosition();
  const heads = new Map<string, Head>();
  let events = 0;
  let brokenStreams = 0;
  for await (const page of pagesUpTo(store, head, tenantId === undefined ? {} : { tenantId }, PAGE)) {
    for (const event of page.events) {
      events += 1;
      const slot = `${event.metadata.tenantId}\n${event.streamId}`;
      const last = heads.get(slot);
      if (last === 'broken') continue;
      const verdict = verifyChain([event], last ?? { revision: -1, hash: GENESIS_HASH });
      if (verdict.ok) {
        heads.set(slot, { revision: event.revision, hash: event.metadata.hash });
      } else {
        heads.set(slot, 'broken');
        brokenStreams += 1;
        broken(event, verdict);
      }
    }
    if (page.checkpoint !== undefined) onPage?.(positionOrdinal(page.checkpoint), positionOrdinal(head));
  }
  return { events, streams: heads.size, broken: brokenStreams, head };
}

const OPTIONS = {
  tenant: { type: 'string', value: '<id>', description: "this tenant's streams (default: default)" },
  'all-tenants': { type: 'boolean', description: "every tenant's streams (an operator's check of the whole log)" },
} as const;

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: "every stream's hash chain across the whole log: nothing altered, inserted, reordered or taken out before a stream's end",
  usage: 'crm-cli verify [--tenant ID | --all-tenants]',
  details:
    'Reads the log in $all order, up to its head when the check starts, as it is stored (personal fields stay\n' +
    'sealed: the chain is over what is stored), and checks every event against the one before it in its stream:\n' +
    'its revision is the next, its prevHash is that event’s hash, and its hash is that of its own content.\n' +
    'Prints each broken stream once, at its first break, then a summary. Exits 1 when any chain is broken,\n' +
    '0 when every one is whole. Memory grows with the number of streams, not of events.\n' +
    'What a chain cannot show: a stream cut short (its last events deleted) or deleted whole leaves no break.\n' +
    'Keep the summary line (events, streams, head) of an earlier run, or an export, to compare with.\n' +
    'A tenant with no events is said so on stderr (a mistyped --tenant).',
  options: OPTIONS,
  run: async (args, io) => {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const { tenant } = args.options;
    const tenantId = tenantScope(tenant, args.options['all-tenants']);
    return withStores(io, async ({ events }) => {
      const line = new ProgressLine(io.stderr, 'verify');
      const result = await verifyLog(
        innerStore(events),
        tenantId,
        (event, verdict) =>
          io.stdout.write(
            `BROKEN ${event.streamId} (tenant ${event.metadata.tenantId}) at revision ${verdict.brokenAtRevision}, position ` +
              `${event.position}: ${verdict.reason.replace(/_/g, ' ')}\n`,
          ),
        (done, total) => {
          if (done !== undefined) line.update(done, total);
        },
      );
      const whole = result.streams - result.broken;
      line.finish(
        `verified ${formatCount(result.events)} events in ${formatCount(result.streams)} streams up to position ` +
          `${result.head ?? 'none'} in ${formatDuration(line.elapsedMs / 1000)}: ` +
          (result.broken === 0 ? 'every chain whole' : `${formatCount(result.broken)} broken, ${formatCount(whole)} whole`),
      );
      if (result.events === 0 && tenantId !== undefined)
        io.stderr.write(`note: tenant ${tenantId} has no events in this log: is the tenant id right?\n`);
      return result.broken === 0 ? 0 : 1;
    });
  },
});
