import { seedEventStore } from '@crm/demo-data';
import { ALL_PROJECTIONS } from '@crm/platform';
import { rebuildStateName } from '@crm/projections/runtime';
import { WrongExpectedRevisionError } from '@crm/shared/event-sourcing';
import type { BlindIndex } from '@crm/shared/personal-data';
import { describeOwner, ownerIsGone, type Lease } from '@crm/shared/read-model';
import { positiveWholeNumber, UsageError } from '../args';
import { cliActor, tenantOption } from '../identity';
import { defineCommand, withStores, type CliIo, type Stores } from '../context';
import { claimNationalIds, ForeignSecretError } from '../national-id-claims';
import { formatCount, formatDuration, ProgressLine } from '../progress';
import { reportBackfill, serverBlindIndex } from './claim-national-ids';

const OPTIONS = {
  events: { type: 'string', value: '<n>', description: 'how many events, at least (default 10000)' },
  seed: { type: 'string', value: '<n>', description: 'which history: the same seed gives the same events (default 1)' },
  tenant: { type: 'string', value: '<id>', description: 'the tenant the history belongs to (default: default)' },
} as const;

/** Seeds of this many events or more decide the history on a worker thread. */
const IN_WORKER_FROM = 50_000;

/** The exit code of a seed refused, or stopped, because a server runs on the store. */
export const SERVER_RUNNING = 4;

/** Leases a projection runner takes (a projection's, its rebuild's): projections append no events. */
const PROJECTION_LEASES = new Set(ALL_PROJECTIONS.flatMap((p) => [p.name, rebuildStateName(p.name)]));

/**
 * The live leases of a server's reactors and watchers on this store: those append events in reaction to the seeded
 * ones, with the seed's own command ids, as of now (an outside tester: the API opened the accounts of the seed's 2025
 * LeadQualified events itself, dated that day, and the seed then failed part way on their command ids). Every lease
 * but a projection's counts, so a reactor added later counts too. Not those of dead processes: a lease that lapsed,
 * or one whose holder, a process of this machine, no longer runs (killed before it gave its leases back).
 */
async function serverLeases(stores: Stores): Promise<Lease[]> {
  const now = Date.now();
  return (await (await stores.readStore()).listLeases()).filter(
    (lease) => !PROJECTION_LEASES.has(lease.name) && Date.parse(lease.expiresAt) > now && !ownerIsGone(lease.owner),
  );
}

/** `reactors owned by pid 123: a, b`: the holders by pid (and host when another), `describeOwner`. */
function describeOwners(leases: readonly Lease[]): string {
  const byOwner = new Map<string, string[]>();
  for (const lease of leases) {
    const who = describeOwner(lease.owner);
    byOwner.set(who, [...(byOwner.get(who) ?? []), lease.name]);
  }
  return `reactors owned by ${[...byOwner].map(([who, names]) => `${who}: ${names.sort().join(', ')}`).join('; ')}`;
}

export const seedCommand = defineCommand({
  name: 'seed',
  summary: 'append a deterministic demo history (leads, deals, quotes, purchases, complaints, surveys)',
  usage: 'crm-cli seed [--events <n>] [--seed <n>] [--tenant <id>]',
  details:
    'Every event is decided by the real deciders, with the metadata the API records, spread over months\n' +
    'from 2025-01-01; for trying the read models, the CLI and the benchmarks. Creates the embedded store\n' +
    'if needed. The same seed twice on one store is refused (the streams exist): pass another --seed. Two seeds of\n' +
    'one history at the same time write it once between them; each counts its own events, and one that found\n' +
    'some written by the other exits 1.\n' +
    'The same seed gives the same events (ids, data, times) in any store; their stored bytes and hashes\n' +
    'differ, as personal fields are sealed under keys made afresh in each store.\n' +
    'Every event is recorded as written by cli:<your user name>, on behalf of the demo staff member.\n' +
    'Seeding is for a store no server (API) runs on: its reactors would react to the seeded events as they are written,\n' +
    'dated today. A store whose reactors another live process holds is refused before anything is written (exit 4),\n' +
    'and a seed stops before its next batch if a server starts meanwhile (exit 4; what was written stays).\n' +
    'Then each account of the tenant gets its claim on its national id, as `crm-cli claim-national-ids` makes them\n' +
    '(the seed appends decided events, past the API’s guard): a national id two accounts hold is listed, exit 3.\n' +
    'Those claims are keyed by the server secret: CRM_SERVER_SECRET as the API has it, or the server-secret file in\n' +
    'CRM_DATA_DIR. The seed makes that file only for an embedded store with no events yet; otherwise exit 2.\n' +
    'Ctrl-C stops it after the batch in hand (exit 1); what was written stays (then run claim-national-ids).',
  options: OPTIONS,
  run: async (args, io) => {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const events = positiveWholeNumber(args.options.events, 10_000, '--events');
    const seed = positiveWholeNumber(args.options.seed, 1, '--seed');
    const tenantId = tenantOption(args.options.tenant);
    return withStores(
      io,
      async (stores) => {
        const store = stores.events;
        const running = await serverLeases(stores);
        if (running.length > 0) {
          io.stderr.write(`crm-cli seed: a server is running on this store (${describeOwners(running)}): stop it, or seed another store\n`);
          return SERVER_RUNNING;
        }
        // The blind index of the claims made after the seed, settled before anything is written. A secret made here on
        // a store that has events would not be the one its server uses (CRM_SERVER_SECRET in the server's environment
        // only), and claims made under it would name streams the server never reads, for good (a review): refused. On a
        // store of its own (the embedded one, with no events yet), the seed makes it, as the API's first start on this
        // directory would; elsewhere (PostgreSQL: the server may hold CRM_SERVER_SECRET) it must be given.
        const index = serverBlindIndex(stores, io, {
          make: stores.config.eventStore === 'sqlite' && (await store.headPosition()) === undefined,
        });
        const line = new ProgressLine(io.stderr, 'seed');
        // Ctrl-C stops after the group of appends in hand: what is written stays, a consistent prefix of the history.
        let interrupted = false;
        void io.interrupted.then(() => (interrupted = true));
        // A server started while this seed runs: stopped before its next batch (its reactors may have reacted already).
        let started: readonly Lease[] = [];
        try {
          const result = await seedEventStore(store, {
            events,
            seed,
            tenantId,
            recordedBy: cliActor(io.env),
            // A long seed decides the history on a worker thread, overlapping the writes; a short one is not worth starting it.
            inWorker: events >= IN_WORKER_FROM,
            onProgress: (done) => line.update(done, events),
            stopRequested: () => interrupted,
            stopBeforeBatch: async () => (started = await serverLeases(stores)).length > 0,
          });
          if (result.stopped && started.length > 0) {
            line.finish(
              `crm-cli seed: a server started on this store while seeding (${describeOwners(started)}): stopped after ` +
                `${formatCount(result.events)} of ${formatCount(events)} events; head ${result.head ?? 'none'}. Its reactors may have ` +
                'reacted to them already: seed a store no server runs on.' +
                (result.events > 0 ? ' The same seed is now refused on this store.' : ''),
            );
            return SERVER_RUNNING;
          }
          if (result.stopped) {
            line.finish(
              `interrupted: seeded ${formatCount(result.events)} of ${formatCount(events)} events; head ${result.head ?? 'none'}. ` +
                'The same seed is now refused on this store: pass another --seed to add more. Its accounts have no ' +
                `claims on their national ids yet: crm-cli claim-national-ids --tenant ${tenantId}`,
            );
            return 1;
          }
          line.finish(
            `seeded ${formatCount(result.events)} events in ${formatDuration(line.elapsedMs / 1000)}; head ${result.head ?? 'none'}`,
          );
          const claimed = await claimSeededIds(stores, io, tenantId, index);
          if (claimed !== 0) return claimed;
          if (result.writtenElsewhere === 0) return 0;
          // Another seed of the same history ran at the same time: the store holds the history once, written by both.
          io.stderr.write(
            `${formatCount(result.writtenElsewhere)} events of the demo history of seed ${seed} were in the store already: written ` +
              'by another seed of it running at the same time, or by a write of this one sent again after its reply was lost ' +
              '(the store holds them once): pass another --seed to add more\n',
          );
          return 1;
        } catch (error) {
          line.finish();
          if (error instanceof WrongExpectedRevisionError) {
            io.stderr.write(`this store already holds the demo history of seed ${seed} (stream ${error.streamId}): pass another --seed\n`);
            return 1;
          }
          throw error;
        }
      },
      { create: true },
    );
  },
});

/**
 * The seeded tenant's accounts get their claims on their national ids, as the API's guard gives them: the seed
 * appends decided events directly. Duplicates are listed on stdout (exit 3), as `claim-national-ids` lists them.
 */
async function claimSeededIds(stores: Stores, io: CliIo, tenantId: string, index: BlindIndex): Promise<number> {
  const line = new ProgressLine(io.stderr, 'claim-national-ids');
  const me = cliActor(io.env);
  const result = await claimNationalIds(stores.events, {
    index,
    tenantId,
    // As the seeded events are: by the OS user, on behalf of the demo staff member who opened the account.
    actor: ({ metadata: { actor } }) => (actor.onBehalfOf === undefined ? me : { ...me, onBehalfOf: actor.onBehalfOf }),
    onProgress: (_phase, done, total) => line.update(done, total),
  }).catch((error: unknown) => {
    // A secret other than the one the claims in the log were made under: a configuration error, as claim-national-ids
    // says; the seed's events are written by then, their accounts without claims.
    if (error instanceof ForeignSecretError) {
      throw new UsageError(
        `the seed's events are written, but not its accounts' claims on their national ids: ${error.message}; then run crm-cli claim-national-ids --tenant ${tenantId} with the API's secret`,
      );
    }
    throw error;
  });
  return reportBackfill(result, { dryRun: false, json: false, stdout: io.stdout, stderr: io.stderr, line });
}
