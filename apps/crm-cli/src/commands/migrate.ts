import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  eventIdFor,
  GENESIS_HASH,
  streamCategory,
  verifyChain,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@crm/shared/event-sourcing';
import { derivedId, isUuid } from '@crm/shared/kernel';
import { BlindIndex, PersonalDataEventStore, personalDataLayer, type SubjectKeyRef } from '@crm/shared/personal-data';
import { loadConfig, loadServerSecret, openEventStore, prepareDataDirectory, type AppConfig } from '@crm/platform';
import { UsageError } from '../args';
import { configOf, defineCommand, type CliIo } from '../context';
import { formatCount, formatDuration } from '../progress';

const PAGE = 1000;
/** Not copied: the stores the migration writes anew, and the read models (built from plaintext: rebuilt in the new directory). */
const STORE_FILES = /^(crm|keys|read-models)\.sqlite(-wal|-shm|-journal)?$|^kek$/;

interface Head {
  readonly revision: number;
  readonly hash: string;
}

/**
 * A lead-key claim written before blind indexes named its stream and its key
 * by the email or phone: both become the blind index, and the command and
 * event ids derived from the key are derived again from the blind one.
 */
type Sales = typeof import('@crm/sales/application');

function blindClaim(sales: Sales, event: RecordedEvent, index: BlindIndex): { streamId: string; event: RecordedEvent } {
  const { blindLeadKey, LEAD_KEY_CATEGORY, leadKeyStream } = sales;
  const data = event.data as { key?: string };
  if (streamCategory(event.streamId) !== LEAD_KEY_CATEGORY || typeof data.key !== 'string') return { streamId: event.streamId, event };
  const kind = data.key.slice(0, data.key.indexOf(':') + 1);
  const blind = blindLeadKey(index, data.key);
  // Already blind: a store migrated before, or written since (the blind index, or since it is the tenant's, the claim
  // stream's own id: recordedClaimKey).
  const named = data.key.slice(kind.length);
  if ((named.length === 43 && /^[A-Za-z0-9_-]+$/.test(named)) || isUuid(named)) return { streamId: event.streamId, event };
  const m = event.metadata;
  const commandId = derivedId(m.causationId, `${event.type === 'LeadKeyReleased' ? 'release' : 'claim'}:${blind}@${event.revision - 1}`);
  return {
    streamId: leadKeyStream(m.tenantId, blind),
    event: { ...event, data: { ...data, key: blind }, metadata: { ...m, commandId, eventId: eventIdFor(commandId, 0) } },
  };
}

function toAppend(event: RecordedEvent): EventToAppend {
  const { prevHash: _prev, hash: _hash, ...metadata } = event.metadata;
  return { type: event.type, data: event.data, metadata };
}

/**
 * One-off rewrite of an embedded store written before personal data was
 * sealed: every event, in $all order, into a new data directory through the
 * personal-data layer, so personal fields are sealed and each stream gets a
 * new hash chain over the ciphertext. Each source stream's chain is verified
 * as it is read, each target stream's chain once written.
 *
 * Erasures are carried over: a record erased in the source (its key destroyed)
 * is written in its erased form, not sealed (its placeholders would read as
 * values under a new key), and once every event is in, its key's tombstone and
 * the fence around an erased person are put in the new key store, so nothing
 * more about them is taken there either. Before, an erased complaint was
 * sealed again under a live key and could be reopened with text in clear (an
 * outside probe).
 */
async function migrate(source: AppConfig, targetDir: string, io: CliIo): Promise<number> {
  const started = Date.now();
  if (!(await holdsPlaintext(source, io))) {
    io.stdout.write(
      `${source.dataDir} holds no personal field in clear (every one sealed, or none at all): nothing to migrate, --to left as it was\n`,
    );
    return 0;
  }
  const target = loadConfig({ ...io.env, CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: targetDir });
  prepareDataDirectory(targetDir);
  // Made first if the source never had one, so the blind indexes below and the API afterwards agree.
  const index = new BlindIndex(loadServerSecret(source, io.env));
  // The installation keeps its secrets (fingerprints, blind indexes, API key hashes, bootstrap key) in the new directory.
  for (const name of readdirSync(source.dataDir)) {
    const path = join(source.dataDir, name);
    if (!STORE_FILES.test(name) && statSync(path).isFile()) copyFileSync(path, join(targetDir, name));
  }
  // Through the source's own personal-data layer: plaintext passes as it is, anything already sealed is opened.
  const from = await openEventStore(source, io.env);
  const to = await openEventStore(target, io.env);
  if (!(to instanceof PersonalDataEventStore)) throw new Error('the embedded store opens behind the personal-data layer');
  // Loaded here, not with the CLI: the application layer is heavy and only this command needs it.
  const sales = await import('@crm/sales/application');
  const sourceKeys = personalDataLayer(from)?.keys;
  /** Per source stream (tenant, stream): what an erasure left of it, read once. */
  const erasures = new Map<string, { readonly ref: SubjectKeyRef; readonly erased: boolean; readonly fenced: boolean }>();
  const heads = new Map<string, Head>();
  const written = new Map<string, { tenantId: string; streamId: string; count: number }>();
  let copied = 0;
  try {
    let after: string | undefined;
    for (;;) {
      const slice = await from.readAll({ after, maxCount: PAGE });
      for (const event of slice.events) {
        const tenantId = event.metadata.tenantId;
        const slot = `${tenantId}\n${event.streamId}`;
        const verdict = verifyChain([event], heads.get(slot) ?? { revision: -1, hash: GENESIS_HASH });
        if (!verdict.ok) {
          io.stderr.write(
            `source stream ${event.streamId} (tenant ${tenantId}) is broken at revision ${event.revision} (${verdict.reason}): nothing more is migrated\n`,
          );
          return 1;
        }
        heads.set(slot, { revision: event.revision, hash: event.metadata.hash });
        let erasure = erasures.get(slot);
        if (erasure === undefined) {
          const ref = { tenantId, subjectRef: event.streamId };
          erasure = { ref, ...((await sourceKeys?.erasureOf(ref)) ?? { erased: false, fenced: false }) };
          erasures.set(slot, erasure);
        }
        const moved = blindClaim(sales, event, index);
        const targetSlot = `${tenantId}\n${moved.streamId}`;
        const done = written.get(targetSlot) ?? { tenantId, streamId: moved.streamId, count: 0 };
        const options = { tenantId, expectedRevision: done.count === 0 ? ('no_stream' as const) : done.count - 1 };
        if (erasure.erased) await to.inner.appendToStream(moved.streamId, [to.erasedForm(toAppend(moved.event))], options);
        else await to.appendToStream(moved.streamId, [toAppend(moved.event)], options);
        written.set(targetSlot, { ...done, count: done.count + 1 });
        copied += 1;
      }
      if (slice.isEnd || slice.checkpoint === undefined) break;
      after = slice.checkpoint;
    }
    // The erasures, once every event is in (a record about an erased person, sealed before the erasure, is copied).
    for (const { ref, erased, fenced } of erasures.values()) {
      if (erased) await to.keys.destroy(ref);
      if (fenced) await to.keys.fence(ref);
    }
    for (const { tenantId, streamId, count } of written.values()) {
      const events = await verifyWritten(to.inner, streamId, tenantId);
      if (events !== count) {
        io.stderr.write(`target stream ${streamId} (tenant ${tenantId}) does not verify: ${events} of ${count} events check out\n`);
        return 1;
      }
    }
  } finally {
    await from.close();
    await to.close();
  }
  io.stdout.write(
    `migrated ${formatCount(copied)} events in ${formatCount(written.size)} streams into ${targetDir} in ${formatDuration((Date.now() - started) / 1000)}; ` +
      `every chain verified, personal fields sealed. Next: CRM_DATA_DIR=${targetDir} crm-cli rebuild all\n`,
  );
  return 0;
}

/**
 * Whether any event of the store, as stored, holds a personal field in clear. A store with none needs no migration:
 * rewritten, every chain would be new and every record under a new key for nothing (an outside probe ran it on a
 * sealed store). Stops at the first such event (a store written before sealing has one near its start).
 */
async function holdsPlaintext(source: AppConfig, io: CliIo): Promise<boolean> {
  const store = await openEventStore(source, io.env);
  try {
    const layer = personalDataLayer(store);
    if (layer === undefined) throw new Error('the embedded store opens behind the personal-data layer');
    let after: string | undefined;
    for (;;) {
      const slice = await layer.inner.readAll({ after, maxCount: PAGE });
      if (slice.events.some((event) => layer.holdsPlaintext(event))) return true;
      if (slice.isEnd || slice.checkpoint === undefined) return false;
      after = slice.checkpoint;
    }
  } finally {
    await store.close();
  }
}

/** How many events of the stream, as stored, check out from its first. */
async function verifyWritten(store: EventStore, streamId: string, tenantId: string): Promise<number> {
  let from = 0;
  let trusted: Head = { revision: -1, hash: GENESIS_HASH };
  let checked = 0;
  for (;;) {
    const page = await store.readStream(streamId, { tenantId, fromRevision: from, maxCount: PAGE });
    const last = page[page.length - 1];
    if (last === undefined) return checked;
    const verdict = verifyChain(page, trusted);
    if (!verdict.ok) return checked + verdict.checked;
    checked += verdict.checked;
    trusted = { revision: last.revision, hash: verdict.lastHash };
    if (page.length < PAGE) return checked;
    from = last.revision + 1;
  }
}

const OPTIONS = {
  to: { type: 'string', value: '<dir>', description: 'the new data directory (must not hold a store yet)' },
} as const;

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'one-off: rewrite an embedded store of plaintext events into a new one with personal data sealed',
  usage: 'crm-cli migrate personal-data --to <dir>',
  details:
    'Reads every event of the embedded store in CRM_DATA_DIR in $all order, verifying each stream’s hash chain,\n' +
    'and appends it to a new store in --to through the personal-data layer: personal fields are sealed under\n' +
    'per-record keys (table personal_data_keys in crm.sqlite, wrapped by CRM_KEK or <dir>/kek), lead-key claims are renamed by blind index,\n' +
    'and every stream gets a new chain over the ciphertext, verified once written. The secrets beside the store\n' +
    '(server-secret, API key secret, bootstrap key) are copied. Read models are not: rebuild them in the new\n' +
    'directory, then point the API at it. The source is left as it was (docs/personal-data.md "Migration").',
  options: OPTIONS,
  run: async (args, io) => {
    const [what, ...extra] = args.positionals;
    if (what !== 'personal-data')
      throw new UsageError(what === undefined ? 'say what to migrate: personal-data' : `cannot migrate ${what}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const source = configOf(io);
    if (source.eventStore !== 'sqlite') throw new UsageError('migrate personal-data rewrites the embedded store: CRM_EVENT_STORE=sqlite');
    if (!existsSync(join(source.dataDir, 'crm.sqlite'))) throw new UsageError(`no event store at ${join(source.dataDir, 'crm.sqlite')}`);
    if (args.options.to === undefined) throw new UsageError('name the new data directory: --to <dir>');
    const targetDir = resolve(args.options.to);
    if (targetDir === source.dataDir) throw new UsageError('--to must be another directory: the source stays as it was');
    if (existsSync(join(targetDir, 'crm.sqlite'))) throw new UsageError(`${targetDir} already holds a store`);
    return migrate(source, targetDir, io);
  },
});
