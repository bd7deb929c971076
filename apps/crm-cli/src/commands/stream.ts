import { type ChainVerification, type EventStore, GENESIS_HASH, type RecordedEvent, verifyChain } from '@crm/shared/event-sourcing';
import { UsageError } from '../args';
import { tenantOption } from '../identity';
import { defineCommand, withStores, writeOut } from '../context';

const PAGE = 1000;

/**
 * Every event of a stream in order, page by page, with the hash chain
 * checked across the pages as they go by.
 */
export async function readVerified(
  store: EventStore,
  streamId: string,
  tenantId: string,
  each: (events: readonly RecordedEvent[]) => Promise<void>,
): Promise<ChainVerification | undefined> {
  let from = 0;
  let verdict: ChainVerification | undefined;
  let trusted = { revision: -1, hash: GENESIS_HASH };
  for (;;) {
    const page = await store.readStream(streamId, { fromRevision: from, maxCount: PAGE, tenantId });
    const last = page[page.length - 1];
    if (last === undefined) break;
    // Once broken, the first break is the verdict; the rest is still shown.
    if (verdict === undefined || verdict.ok) {
      const checked = verifyChain(page, trusted);
      verdict = { ...checked, checked: (verdict?.checked ?? 0) + checked.checked };
      if (checked.ok) trusted = { revision: last.revision, hash: checked.lastHash };
    }
    await each(page);
    if (page.length < PAGE) break;
    from = last.revision + 1;
  }
  return verdict;
}

export function describeIntegrity(verdict: ChainVerification): string {
  return verdict.ok
    ? `OK: ${verdict.checked} events, hash chain intact (last hash ${verdict.lastHash.slice(0, 16)}…)`
    : `BROKEN at revision ${verdict.brokenAtRevision} (${verdict.reason.replace(/_/g, ' ')}); ${verdict.checked} events before it check out`;
}

function describeEvent(event: RecordedEvent): string {
  const m = event.metadata;
  const actor = `${m.actor.id}${m.actor.roles.length > 0 ? ` [${m.actor.roles.join(', ')}]` : ''}${m.actor.onBehalfOf === undefined ? '' : ` for ${m.actor.onBehalfOf}`}`;
  return (
    `#${event.revision}  ${m.occurredAt}  ${event.type}  position ${event.position}\n` +
    `    by ${actor} · tenant ${m.tenantId} · schema v${m.schemaVersion}\n` +
    `    event ${m.eventId} · command ${m.commandId} · correlation ${m.correlationId} · causation ${m.causationId}\n` +
    `    data ${JSON.stringify(event.data)}\n`
  );
}

const OPTIONS = {
  json: { type: 'boolean', description: 'print { streamId, events, integrity } as JSON' },
  tenant: { type: 'string', value: '<id>', description: "the stream's tenant (default: default)" },
} as const;

export const streamCommand = defineCommand({
  name: 'stream',
  summary: "a stream's events in order with metadata, and the hash-chain check",
  usage: 'crm-cli stream <streamId> [--json] [--tenant <id>]',
  details:
    'Stream ids are {category}-{id}, e.g. complaint-0b6f3c52-2f0e-4d55-9d8e-6a1f3b7c9e21.\n' +
    'Exits with 1 when the stream does not exist or its hash chain is broken (tampering, corruption).',
  options: OPTIONS,
  run: async (args, io) => {
    const [streamId, ...extra] = args.positionals;
    // An empty id names no stream: a usage error, not a stream "not found".
    if (streamId === undefined || streamId.trim() === '') throw new UsageError('name the stream, e.g. complaint-<id>');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const tenantId = tenantOption(args.options.tenant);
    return withStores(io, async ({ events: store }) => {
      const collected: RecordedEvent[] = [];
      const verdict = await readVerified(store, streamId, tenantId, async (page) => {
        if (args.options.json) collected.push(...page);
        else for (const event of page) await writeOut(io.stdout, describeEvent(event));
      });
      if (verdict === undefined) {
        io.stderr.write(`stream ${streamId} not found${tenantId === 'default' ? '' : ` for tenant ${tenantId}`}\n`);
        return 1;
      }
      if (args.options.json) await writeOut(io.stdout, `${JSON.stringify({ streamId, events: collected, integrity: verdict }, null, 2)}\n`);
      else await writeOut(io.stdout, `integrity: ${describeIntegrity(verdict)}\n`);
      return verdict.ok ? 0 : 1;
    });
  },
});
