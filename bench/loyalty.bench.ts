// The loyalty card and the churn report in process, without HTTP, on a SQLite read store holding the loyalty
// read models of a seeded history (@crm/demo-data, seed 1, folded batch by batch as the runner does):
// `npm run bench:loyalty`. BENCH_EVENTS (default 1000000) sizes the history; BENCH_CALLS (default 200) cards
// of random accounts. Prints, in ms: the card as every request computed it before (every document of the five
// collections, every history), the card from its own rows and a kept population, the population built afresh
// (what the first request after a change of the read models pays), and the churn report from a kept population.
// Then a change stream: before each card (churn) request one loyalty event (a purchase or an interaction logged, in
// turn, for a random account) is folded into the read models with the tenant's change markers, as the runner does;
// the request reads the markers, so its kept population is stale: "before" builds it again (BENCH_STREAM_BEFORE
// calls, default 10), "after" updates it account by account (BENCH_CALLS). The fold itself is not timed.
// BENCH_STREAM_ONLY=1 times only the change stream (and the kept population's card and churn before it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordedDemoHistory } from '@crm/demo-data';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import {
  buildPopulation,
  changeMarkerId,
  churnReport,
  customerHistories,
  loadCustomerSources,
  loadLoyaltySources,
  LOYALTY_CHURN_PROJECTIONS,
  LOYALTY_PROJECTION_NAMES,
  loyaltyProfile,
  loyaltyProfileOf,
  PopulationCache,
  updatePopulation,
  type LoyaltyCollections,
  type PopulationMarks,
} from '@crm/projections/loyalty-churn';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { foldEvents, type AnyProjection, type DocumentRecord } from '@crm/shared/read-model';
import { percentile, size } from './bench-support';

const ms = (value: number) => value.toFixed(2).padStart(10);

async function timed(label: string, calls: number, run: (i: number) => Promise<unknown> | unknown): Promise<void> {
  const durations: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    const t0 = performance.now();
    await run(i);
    durations.push(performance.now() - t0);
  }
  durations.sort((a, b) => a - b);
  process.stdout.write(
    `  ${label.padEnd(58)}${String(calls).padStart(6)}${ms(percentile(durations, 0.5))}${ms(percentile(durations, 0.99))}\n`,
  );
}

async function main(): Promise<void> {
  const events = size('BENCH_EVENTS', 1_000_000);
  const calls = size('BENCH_CALLS', 200);
  const streamOnly = process.env['BENCH_STREAM_ONLY'] === '1';
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-loyalty-'));
  const store = openSqliteReadStore({ file: join(dir, 'read.db') });
  try {
    let started = performance.now();
    const types = [...new Set(LOYALTY_CHURN_PROJECTIONS.flatMap((p) => p.eventTypes))];
    const history = recordedDemoHistory({ events, seed: 1 }, types);
    process.stdout.write(
      `node ${process.version}, ${events.toLocaleString('en')} events seeded, ${history.length.toLocaleString('en')} of them loyalty events (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
    started = performance.now();
    const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
    const collections: Record<string, string> = {};
    // Kept for the change stream, which goes on folding from them.
    const folded = new Map<AnyProjection, Map<string, DocumentRecord<object>>>();
    for (const projection of LOYALTY_CHURN_PROJECTIONS) {
      collections[projection.name] = projection.collection;
      for (const fields of projection.indexes ?? []) await store.ensureIndex(projection.collection, fields);
      const handled = history.filter((event) => projection.eventTypes.includes(event.type));
      const documents = new Map<string, DocumentRecord<object>>();
      folded.set(projection, documents);
      for (let start = 0; start < handled.length; start += 5_000) {
        const folded = foldEvents(projection, documents, handled.slice(start, start + 5_000), compare);
        if (folded.failure) throw folded.failure.error;
        for (const [id, record] of folded.changed) {
          if (record) documents.set(id, record);
          else documents.delete(id);
        }
      }
      await store.transaction((tx) => documents.forEach((record, id) => tx.put(projection.collection, id, record.doc, record.position)));
    }
    const c: LoyaltyCollections = {
      activity: collections[LOYALTY_PROJECTION_NAMES.activity] as string,
      wonDeals: collections[LOYALTY_PROJECTION_NAMES.wonDeals] as string,
      interactions: collections[LOYALTY_PROJECTION_NAMES.interactions] as string,
      contactLinks: collections[LOYALTY_PROJECTION_NAMES.contactLinks] as string,
      opportunityLinks: collections[LOYALTY_PROJECTION_NAMES.opportunityLinks] as string,
    };
    const counts = await Promise.all(Object.values(c).map(async (name) => `${name} ${await store.count(name)}`));
    process.stdout.write(`  folded in ${((performance.now() - started) / 1000).toFixed(0)} s: ${counts.join(', ')}\n`);
    const accounts = (await store.find<{ accountId: string }>(c.activity, { where: { tenantId: 'default' } })).map((r) => r.doc.accountId);
    const pick = (i: number) => accounts[(i * 7_919) % accounts.length] as string;
    const asOf =
      Math.max(
        ...(await store.find<{ lastPurchaseAt?: string }>(c.activity, {})).map((r) => Date.parse(r.doc.lastPurchaseAt ?? '1970-01-01')),
      ) + 3_600_000;
    const options = { asOf, windowDays: 365, inactivityDays: 180, margin: 0.3 };
    const key = { asOf, windowDays: 365, inactivityDays: 180, rule: 'auto' as const };
    process.stdout.write(`  ${'ms'.padEnd(58)}${'calls'.padStart(6)}${'p50'.padStart(10)}${'p99'.padStart(10)}\n`);
    if (!streamOnly)
      await timed('card as before: every document, every history', Math.min(calls, 5), async (i) => {
        const sources = await loadLoyaltySources(store, c, 'default', { pageSize: 1_000_000 });
        return loyaltyProfile(pick(i), customerHistories(sources, asOf), options);
      });
    // The longest stretch between two pauses: how long a build holds the event loop at a time.
    let longest = 0;
    let last = 0;
    const pause = async () => {
      longest = Math.max(longest, performance.now() - last);
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    };
    if (!streamOnly)
      await timed('population built afresh (paged reads, sliced build)', 3, async () => {
        last = performance.now();
        const built = await buildPopulation(await loadLoyaltySources(store, c, 'default', { pause }), key, pause);
        longest = Math.max(longest, performance.now() - last);
        return built;
      });
    if (!streamOnly) process.stdout.write(`  longest stretch of that build without a pause: ${longest.toFixed(1)} ms\n`);
    const cache = new PopulationCache();
    const k = { of: 'default', state: 'seeded' };
    const build = async () => buildPopulation(await loadLoyaltySources(store, c, 'default'), key);
    await cache.population(k, asOf, build);
    await timed('card: own rows + kept population', calls, async (i) => {
      const own = await loadCustomerSources(store, c, 'default', pick(i));
      const [mine] = customerHistories(own as NonNullable<typeof own>, asOf);
      return loyaltyProfileOf(mine as NonNullable<typeof mine>, await cache.population(k, asOf, build), options);
    });
    const report = { asOf, inactivityDays: 180, bucket: 'month' as const };
    if (!streamOnly)
      await timed('churn as before: every document, every history', Math.min(calls, 5), async () =>
        churnReport(customerHistories(await loadLoyaltySources(store, c, 'default', { pageSize: 1_000_000 }), asOf), report),
      );
    await timed('churn: kept population (report computed once, then kept)', calls, () => cache.churnReport(k, report, build));

    // The change stream: one loyalty event folded in before each request.
    const lastEvent = history[history.length - 1] as RecordedEvent;
    let position = Number(lastEvent.position);
    const append = async (i: number): Promise<void> => {
      position += 1;
      const accountId = pick(i * 31 + 17);
      const occurredAt = new Date(asOf - 86_400_000 + position).toISOString();
      const event = (
        i % 2 === 0
          ? {
              type: 'PurchaseRecorded',
              data: {
                accountId,
                purchaseId: `stream-${position}`,
                amount: { amount: 1_000 + i, currency: 'IRR' },
                occurredAt,
                externalRef: `s${i}`,
              },
            }
          : {
              type: 'InteractionLogged',
              data: {
                interactionId: `stream-${position}`,
                channel: 'phone',
                direction: 'inbound',
                regarding: { type: 'account', id: accountId },
                summary: 'stream',
                occurredAt,
                loggedAt: occurredAt,
              },
            }
      ) as Pick<RecordedEvent, 'type' | 'data'>;
      const recorded = {
        ...event,
        streamId: `stream-${i}`,
        revision: 0,
        position: String(position),
        metadata: lastEvent.metadata,
      } as RecordedEvent;
      for (const [projection, documents] of folded) {
        if (!projection.eventTypes.includes(recorded.type)) continue;
        const result = foldEvents(projection, documents, [recorded], compare);
        if (result.failure) throw result.failure.error;
        await store.transaction((tx) => {
          for (const [id, record] of result.changed) {
            if (record === null) continue;
            documents.set(id, record);
            tx.put(projection.collection, id, record.doc, record.position);
          }
        });
      }
    };
    const roles = Object.keys(c) as (keyof LoyaltyCollections)[];
    const marksNow = async (): Promise<PopulationMarks> => {
      const positions = await Promise.all(
        roles.map(async (role) => (await store.get(c[role], changeMarkerId('default')))?.position ?? null),
      );
      return {
        collections: c,
        positions: Object.fromEntries(roles.map((role, i) => [role, positions[i] ?? null])) as PopulationMarks['positions'],
      };
    };
    const streamed = async (label: string, count: number, incremental: boolean, request: 'card' | 'churn') => {
      const streamCache = new PopulationCache();
      const first = await marksNow();
      await streamCache.population({ of: 'default', state: JSON.stringify(first.positions) }, asOf, async () =>
        buildPopulation(await loadLoyaltySources(store, c, 'default'), key, undefined, 200, first),
      );
      if (request === 'churn')
        await streamCache.churnReport({ of: 'default', state: JSON.stringify(first.positions) }, report, () =>
          Promise.reject(new Error('kept')),
        );
      let updates = 0;
      const durations: number[] = [];
      const inUpdates: number[] = [];
      for (let i = 0; i < count; i += 1) {
        await append(i + (incremental ? 1_000_000 : 0) + (request === 'churn' ? 2_000_000 : 0));
        const t0 = performance.now();
        const marks = await marksNow();
        const ck = { of: 'default', state: JSON.stringify(marks.positions) };
        const rebuild = async () => buildPopulation(await loadLoyaltySources(store, c, 'default'), key, undefined, 200, marks);
        const update = incremental
          ? async (from: Parameters<typeof updatePopulation>[3]) => {
              updates += 1;
              const u0 = performance.now();
              const updated = await updatePopulation(store, c, 'default', from, key, marks);
              inUpdates.push(performance.now() - u0);
              return updated;
            }
          : undefined;
        if (request === 'card') {
          const own = await loadCustomerSources(store, c, 'default', pick(i));
          const [mine] = customerHistories(own as NonNullable<typeof own>, asOf);
          loyaltyProfileOf(mine as NonNullable<typeof mine>, await streamCache.population(ck, asOf, rebuild, update), options);
        } else await streamCache.churnReport(ck, report, rebuild, update);
        durations.push(performance.now() - t0);
      }
      durations.sort((a, b) => a - b);
      inUpdates.sort((a, b) => a - b);
      process.stdout.write(
        `  ${label.padEnd(58)}${String(count).padStart(6)}${ms(percentile(durations, 0.5))}${ms(percentile(durations, 0.99))}${incremental ? `  (${updates} updates; in updatePopulation p50 ${percentile(inUpdates, 0.5).toFixed(2)}, p99 ${percentile(inUpdates, 0.99).toFixed(2)})` : ''}\n`,
      );
    };
    const before = size('BENCH_STREAM_BEFORE', 10);
    await streamed('stream, card before: rebuilt after each change', before, false, 'card');
    await streamed('stream, card after: updated after each change', calls, true, 'card');
    await streamed('stream, churn before: rebuilt after each change', before, false, 'churn');
    await streamed('stream, churn after: updated after each change', calls, true, 'churn');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
