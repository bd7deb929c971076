import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { positionOrdinal } from '@crm/projections/runtime';
import { GENESIS_HASH, verifyChain, type ChainVerification, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { innerStore, personalDataLayer, type DataKeys } from '@crm/shared/personal-data';
import { UsageError } from '../args';
import { tenantScope } from '../identity';
import { defineCommand, withStores } from '../context';
import { formatCount, formatDuration, ProgressLine } from '../progress';
import { pagesUpTo } from '../event-export';
import { cellText } from '../table';

const PAGE = 1000;

/** A stream's chain as far as it was read: its last event, or broken (its first break was reported). */
type Head = { readonly revision: number; readonly hash: string } | 'broken';

export interface LogVerification {
  readonly events: number;
  readonly streams: number;
  readonly broken: number;
  /** The head the log was read up to, fixed when the check started. */
  readonly head: string | undefined;
  /** Streams of the earlier export that the log no longer holds as exported (changed, cut short or missing). */
  readonly differ: number;
}

/** Where a stream ended in an earlier export: its last revision there, and that event's hash. */
export interface ExportedHead {
  readonly tenantId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly hash: string;
}

/** How a stream of an earlier export stands in the log now, when not as exported. */
export type Difference =
  | { readonly kind: 'changed'; readonly exported: ExportedHead }
  | { readonly kind: 'cut short'; readonly exported: ExportedHead; readonly endsAt: number }
  | { readonly kind: 'missing'; readonly exported: ExportedHead };

const slotOf = (tenantId: string, streamId: string) => `${tenantId}\n${streamId}`;

/**
 * Each stream's last event in an export file (`crm-cli export events`, NDJSON; opened or not, filtered or not: the
 * envelopes carry the stored hash). Only streams of `tenantId` when given; `otherTenants` counts the rest.
 * A line that is no envelope is a usage error naming the line.
 */
export async function readExportedHeads(
  file: string,
  tenantId: string | undefined,
): Promise<{ readonly heads: Map<string, ExportedHead>; readonly otherTenants: number }> {
  const heads = new Map<string, ExportedHead>();
  const others = new Set<string>();
  // A directory opens, and fails only when read (EISDIR): refused here as any other file that is no export.
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--against ${file}: a directory, not an export file`);
  const input = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new UsageError(`--against ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    const head = envelopeHead(line);
    if (head === undefined)
      throw new UsageError(
        `--against ${file}: line ${lineNumber} is not an export envelope (streamId, revision, metadata.tenantId, metadata.hash)`,
      );
    const slot = slotOf(head.tenantId, head.streamId);
    if (tenantId !== undefined && head.tenantId !== tenantId) {
      others.add(slot);
      continue;
    }
    const known = heads.get(slot);
    if (known === undefined || head.revision > known.revision) heads.set(slot, head);
  }
  return { heads, otherTenants: others.size };
}

function envelopeHead(line: string): ExportedHead | undefined {
  let envelope: unknown;
  try {
    envelope = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const { streamId, revision, metadata } = envelope as { streamId?: unknown; revision?: unknown; metadata?: unknown };
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { tenantId, hash } = metadata as { tenantId?: unknown; hash?: unknown };
  if (typeof streamId !== 'string' || typeof tenantId !== 'string' || typeof hash !== 'string') return undefined;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) return undefined;
  return { tenantId, streamId, revision, hash };
}

/**
 * Every stream's hash chain across the whole log (one tenant's, or every tenant's), in $all order up to the head
 * when it starts: each event follows the one before it in its stream (its revision next, its prevHash that event's
 * hash, its own hash its content's). Read as stored, below the personal-data layer: the chain is over the sealed
 * form, and nothing is decrypted. Memory grows with the streams, not the events. `broken` is told each broken
 * stream once, at its first break.
 *
 * With `exported` (each stream's last event in an earlier export), also what a chain alone cannot show: a stream
 * whose event at its exported revision has another hash now (rewritten with a new chain), that ends before it (cut
 * short) or is gone. A whole chain whose event there has the exported hash holds everything up to it as exported.
 * `differs` is told each such stream once; a broken stream was told already and is not compared.
 */
export async function verifyLog(
  store: EventStore,
  tenantId: string | undefined,
  broken: (event: RecordedEvent, verdict: Extract<ChainVerification, { ok: false }>) => void,
  onPage?: (done: number | undefined, total: number | undefined) => void,
  exported: ReadonlyMap<string, ExportedHead> = new Map(),
  differs: (difference: Difference) => void = () => undefined,
  seen: (event: RecordedEvent) => void = () => undefined,
): Promise<LogVerification> {
  const head = await store.headPosition();
  const heads = new Map<string, Head>();
  let events = 0;
  let brokenStreams = 0;
  let differ = 0;
  const reached = new Set<string>();
  const noteDifference = (difference: Difference) => {
    differ += 1;
    differs(difference);
  };
  for await (const page of pagesUpTo(store, head, tenantId === undefined ? {} : { tenantId }, PAGE)) {
    for (const event of page.events) {
      events += 1;
      seen(event);
      const slot = slotOf(event.metadata.tenantId, event.streamId);
      const last = heads.get(slot);
      if (last === 'broken') continue;
      const verdict = verifyChain([event], last ?? { revision: -1, hash: GENESIS_HASH });
      if (verdict.ok) {
        heads.set(slot, { revision: event.revision, hash: event.metadata.hash });
        const then = exported.get(slot);
        if (then !== undefined && then.revision === event.revision) {
          reached.add(slot);
          if (then.hash !== event.metadata.hash) noteDifference({ kind: 'changed', exported: then });
        }
      } else {
        heads.set(slot, 'broken');
        brokenStreams += 1;
        broken(event, verdict);
      }
    }
    if (page.checkpoint !== undefined) onPage?.(positionOrdinal(page.checkpoint), positionOrdinal(head));
  }
  for (const [slot, then] of exported) {
    if (reached.has(slot)) continue;
    const now = heads.get(slot);
    if (now === 'broken') continue;
    if (now === undefined) noteDifference({ kind: 'missing', exported: then });
    else noteDifference({ kind: 'cut short', exported: then, endsAt: now.revision });
  }
  return { events, streams: heads.size, broken: brokenStreams, head, differ };
}

const DATA_SUBJECT_CATEGORY = 'data-subject-';
const ERASURE_EVENTS = new Set(['DataSubjectErased', 'DataSubjectErasureListed']);

/** A record whose personal fields cannot be read for another reason than an erasure recorded in the log. */
export interface KeyProblem {
  readonly tenantId: string;
  readonly subjectRef: string;
  readonly problem: 'missing' | 'destroyed' | 'does not open';
}

/**
 * The records whose personal fields the log holds sealed, and the records recorded erasures named: what the key store
 * must answer for. An erasure's own sealed lists (in its data-subject stream) go with its own key by design.
 */
export class SealedRecords {
  private readonly subjects = new Set<string>();
  private readonly erased = new Set<string>();

  /** `subjectsOf`: the subjects whose keys seal an event as stored (`PersonalDataEventStore.sealedSubjectsOf`). */
  constructor(private readonly subjectsOf: (event: RecordedEvent, found: (subjectRef: string) => void) => void) {}

  see(event: RecordedEvent): void {
    const tenantId = event.metadata.tenantId;
    if (event.streamId.startsWith(DATA_SUBJECT_CATEGORY)) {
      if (ERASURE_EVENTS.has(event.type)) {
        for (const record of ((event.data as { records?: unknown }).records as unknown[] | undefined) ?? [])
          if (typeof record === 'string') this.erased.add(slotOf(tenantId, record));
      }
      return;
    }
    this.subjectsOf(event, (subjectRef) => this.subjects.add(slotOf(tenantId, subjectRef)));
  }

  get size(): number {
    return this.subjects.size;
  }

  /**
   * Each record's key: there and opening with this key-encryption key, or destroyed by an erasure the log records.
   * Anything else is a problem: a key missing, destroyed with no erasure recorded (its record silently unreadable,
   * passing for an erasure), or one that does not open (a key row replaced, or another CRM_KEK). Keys are read after
   * the log up to `head`: an erasure recorded since (it records its list before it destroys a key) is read too,
   * through `erasedSince`, before a destroyed key is called a problem. A failure of the key store is thrown.
   */
  async check(
    keys: DataKeys,
    erasedSince: () => Promise<readonly RecordedEvent[]>,
    problem: (found: KeyProblem) => void,
  ): Promise<{ readonly problems: number; readonly erased: number }> {
    const found: KeyProblem[] = [];
    let erased = 0;
    for (const slot of this.subjects) {
      const [tenantId, subjectRef] = slot.split('\n') as [string, string];
      const state = await keys.keyState({ tenantId, subjectRef });
      if (state === 'live') continue;
      if (state === 'does not open') found.push({ tenantId, subjectRef, problem: state });
      else if (this.erased.has(slot)) erased += 1;
      else found.push({ tenantId, subjectRef, problem: state === 'erased' ? 'destroyed' : 'missing' });
    }
    if (found.some((f) => f.problem !== 'does not open')) for (const event of await erasedSince()) this.see(event);
    let problems = 0;
    for (const f of found) {
      if (f.problem !== 'does not open' && this.erased.has(slotOf(f.tenantId, f.subjectRef))) erased += 1;
      else {
        problems += 1;
        problem(f);
      }
    }
    return { problems, erased };
  }
}

/** The erasures recorded after `head` (every tenant's: the key check is told only of tenants it verified). */
async function erasuresAfter(store: EventStore, head: string | undefined): Promise<RecordedEvent[]> {
  const found: RecordedEvent[] = [];
  let after = head;
  for (;;) {
    const page = await store.readAll({
      ...(after === undefined ? {} : { after }),
      maxCount: PAGE,
      filter: { eventTypes: [...ERASURE_EVENTS] },
    });
    found.push(...page.events);
    if (page.isEnd || page.checkpoint === undefined) return found;
    after = page.checkpoint;
  }
}

function keyProblemLine({ tenantId, subjectRef, problem }: KeyProblem): string {
  const record = `${cellText(subjectRef)} (tenant ${cellText(tenantId)})`;
  switch (problem) {
    case 'missing':
      return `KEY MISSING ${record}: its sealed fields have no key, and no erasure of it is recorded`;
    case 'destroyed':
      return `KEY DESTROYED ${record}: its key was destroyed, but no erasure of it is recorded in the log`;
    case 'does not open':
      return `KEY DOES NOT OPEN ${record}: its key does not unwrap with this key-encryption key (a key row replaced, or another CRM_KEK)`;
  }
}

function differenceLine(difference: Difference, file: string): string {
  const { streamId, tenantId, revision } = difference.exported;
  // As the export file has them: a file altered by hand may hold anything, a terminal escape too.
  const stream = `${cellText(streamId)} (tenant ${cellText(tenantId)})`;
  switch (difference.kind) {
    case 'changed':
      return `CHANGED ${stream} at revision ${revision}: its hash is not the one in ${file}`;
    case 'cut short':
      return `CUT SHORT ${stream}: ${file} has it up to revision ${revision}, the log ends at revision ${difference.endsAt}`;
    case 'missing':
      return `MISSING ${stream}: ${file} has it up to revision ${revision}, the log has none of it`;
  }
}

const OPTIONS = {
  tenant: { type: 'string', value: '<id>', description: "this tenant's streams (default: default)" },
  'all-tenants': { type: 'boolean', description: "every tenant's streams (an operator's check of the whole log)" },
  against: {
    type: 'string',
    value: '<export.ndjson>',
    description: 'an earlier `crm-cli export events` file: each of its streams must still hold its last exported event unchanged',
  },
} as const;

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: "every stream's hash chain across the whole log: nothing altered, inserted, reordered or taken out before a stream's end",
  usage: 'crm-cli verify [--tenant ID | --all-tenants] [--against export.ndjson]',
  details:
    'Reads the log in $all order, up to its head when the check starts, as it is stored (personal fields stay\n' +
    'sealed: the chain is over what is stored), and checks every event against the one before it in its stream:\n' +
    'its revision is the next, its prevHash is that event’s hash, and its hash is that of its own content.\n' +
    'Prints each broken stream once, at its first break, then a summary. Exits 1 when any chain is broken,\n' +
    '0 when every one is whole. Memory grows with the number of streams, not of events.\n' +
    'What a chain cannot show: a stream cut short (its last events deleted), deleted whole, or rewritten with a\n' +
    'new chain leaves no break. --against an earlier export (crm-cli export events, any filters; only its\n' +
    'streams of the tenants verified are compared) shows them: each of its streams must still hold, at the\n' +
    'last revision exported, an event with the exported hash (a whole chain then holds everything before it\n' +
    'as exported). Each stream that does not is printed (CHANGED, CUT SHORT, MISSING) and the exit is 1.\n' +
    'A tenant with no events is said so on stderr (a mistyped --tenant).\n' +
    'Sealed personal fields: each record that holds some must have its key, opening with this key-encryption\n' +
    'key, or have been erased by an erasure the log records; each that has not is printed (KEY MISSING, KEY\n' +
    'DESTROYED, KEY DOES NOT OPEN) and the exit is 1: its fields read as [erased] without an erasure behind them.',
  options: OPTIONS,
  run: async (args, io) => {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const { tenant, against } = args.options;
    const tenantId = tenantScope(tenant, args.options['all-tenants']);
    const earlier = against === undefined ? undefined : await readExportedHeads(against, tenantId);
    return withStores(io, async ({ events }) => {
      const line = new ProgressLine(io.stderr, 'verify');
      const layer = personalDataLayer(events);
      const sealed = new SealedRecords((event, found) => layer?.sealedSubjectsOf(event, found));
      const result = await verifyLog(
        innerStore(events),
        tenantId,
        (event, verdict) =>
          io.stdout.write(
            `BROKEN ${cellText(event.streamId)} (tenant ${cellText(event.metadata.tenantId)}) at revision ${verdict.brokenAtRevision}, position ` +
              `${event.position}: ${verdict.reason.replace(/_/g, ' ')}\n`,
          ),
        (done, total) => {
          if (done !== undefined) line.update(done, total);
        },
        earlier?.heads,
        (difference) => io.stdout.write(`${differenceLine(difference, against ?? '')}\n`),
        layer === undefined ? undefined : (event) => sealed.see(event),
      );
      const erasedSince = () => erasuresAfter(innerStore(events), result.head);
      const keys =
        layer === undefined
          ? undefined
          : await sealed.check(layer.keys, erasedSince, (found) => io.stdout.write(`${keyProblemLine(found)}\n`));
      const whole = result.streams - result.broken;
      const compared =
        earlier === undefined
          ? ''
          : `; against ${against}: ${formatCount(earlier.heads.size)} streams compared, ` +
            (result.differ === 0 ? 'all as exported' : `${formatCount(result.differ)} not as exported`);
      line.finish(
        `verified ${formatCount(result.events)} events in ${formatCount(result.streams)} streams up to position ` +
          `${result.head ?? 'none'} in ${formatDuration(line.elapsedMs / 1000)}: ` +
          (result.broken === 0 ? 'every chain whole' : `${formatCount(result.broken)} broken, ${formatCount(whole)} whole`) +
          compared +
          (keys === undefined
            ? ''
            : `; keys of ${formatCount(sealed.size)} sealed records: ` +
              (keys.problems === 0 ? 'each there or erased' : `${formatCount(keys.problems)} not readable`) +
              (keys.erased === 0 ? '' : ` (${formatCount(keys.erased)} erased)`)),
      );
      if (result.events === 0 && tenantId !== undefined)
        io.stderr.write(`note: tenant ${tenantId} has no events in this log: is the tenant id right?\n`);
      if (earlier !== undefined && earlier.otherTenants > 0)
        io.stderr.write(
          `note: ${formatCount(earlier.otherTenants)} stream${earlier.otherTenants === 1 ? '' : 's'} of other tenants in ${against} not compared\n`,
        );
      if (earlier !== undefined && earlier.heads.size === 0 && earlier.otherTenants === 0)
        io.stderr.write(`note: ${against} holds no events: nothing was compared\n`);
      return result.broken === 0 && result.differ === 0 && (keys?.problems ?? 0) === 0 ? 0 : 1;
    });
  },
});
