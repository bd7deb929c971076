// The loyalty card and the churn report in process, without HTTP, on a SQLite read store holding the loyalty
// read models of a seeded history (@crm/demo-data, seed 1, folded batch by batch as the runner does):
// `npm run bench:loyalty`. BENCH_EVENTS (default 1000000) sizes the history; BENCH_CALLS (default 200) cards
// of random accounts. Prints, in ms: the card as every request computed it before (every document of the five
// collections, every history), the card from its own rows and a kept population, the population built afresh
// (what the first request after a change of the read models pays), and the churn report from a kept population.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordedDemoHistory } from '@crm/demo-data';
import {
  buildPopulation,
  churnReport,
  customerHistories,
  loadCustomerSources,
  loadLoyaltySources,
  LOYALTY_CHURN_PROJECTIONS,
  LOYALTY_PROJECTION_NAMES,
  loyaltyProfile,
  loyaltyProfileOf,
  PopulationCache,
  type LoyaltyCollections,
} from '@crm/projections/loyalty-churn';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { foldEvents, type DocumentRecord } from '@crm/shared/read-model';
import { size } from './bench-support';

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
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
    for (const projection of LOYALTY_CHURN_PROJECTIONS) {
      collections[projection.name] = projection.collection;
      for (const fields of projection.indexes ?? []) await store.ensureIndex(projection.collection, fields);
      const handled = history.filter((event) => projection.eventTypes.includes(event.type));
      const documents = new Map<string, DocumentRecord<object>>();
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
    await timed('population built afresh (paged reads, sliced build)', 3, async () => {
      last = performance.now();
      const built = await buildPopulation(await loadLoyaltySources(store, c, 'default', { pause }), key, pause);
      longest = Math.max(longest, performance.now() - last);
      return built;
    });
    process.stdout.write(`  longest stretch of that build without a pause: ${longest.toFixed(1)} ms\n`);
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
    await timed('churn as before: every document, every history', Math.min(calls, 5), async () =>
      churnReport(customerHistories(await loadLoyaltySources(store, c, 'default', { pageSize: 1_000_000 }), asOf), report),
    );
    await timed('churn: kept population (report computed once, then kept)', calls, () => cache.churnReport(k, report, build));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
