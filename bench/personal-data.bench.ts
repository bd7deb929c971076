// What sealing personal data costs: the same lead events appended to and read back from the embedded SQLite
// store, plain and through the personal-data layer (AES-256-GCM per field, a data key per stream in its own
// SQLite key store), in alternating rounds in one run, reported as ratios. `npm run bench:personal-data`.
// BENCH_LEADS per round (default 1000; each lead is a new stream, so a new key, plus BENCH_UPDATES updates
// each, default 2), BENCH_ROUNDS (default 3), BENCH_CONCURRENCY appends in flight (default 16). Both stores
// run with the defaults the API uses (synchronous=FULL for the events and for the keys).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { SqliteKeyStore } from '@crm/key-store/sqlite';
import { ALL_PERSONAL_FIELDS } from '@crm/platform';
import type { EventStore } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import { DataKeys, PersonalDataEventStore } from '@crm/shared/personal-data';
import { anEvent } from '@crm/shared/testing';
import { measure, printComparison, size, type Figure } from './bench-support';

const LEADS = size('BENCH_LEADS', 1000);
const UPDATES = size('BENCH_UPDATES', 2);
const ROUNDS = size('BENCH_ROUNDS', 3);
const CONCURRENCY = size('BENCH_CONCURRENCY', 16);

function leadEvents(leadId: string, n: number) {
  const captured = anEvent('LeadCaptured', {
    leadId,
    fullName: `مریم احمدی ${n}`,
    nameKey: `مریماحمدی${n}`,
    source: 'web',
    email: `maryam.${n}@example.ir`,
    normalizedEmail: `maryam.${n}@example.ir`,
    phone: '۰۹۱۲۱۲۳۴۵۶۷',
    phoneE164: '+989121234567',
    matchKeys: [`email:maryam.${n}@example.ir`, 'phone:+989121234567'],
    capturedAt: '2026-03-01T08:00:00.000Z',
  });
  const updates = Array.from({ length: UPDATES }, (_, i) =>
    anEvent('LeadUpdated', {
      leadId,
      changes: { fullName: `مریم احمدی‌نژاد ${n}.${i}`, nameKey: `مریماحمدینژاد${n}${i}` },
      updatedAt: '2026-03-02T08:00:00.000Z',
    }),
  );
  return { captured, updates };
}

/** LEADS new streams (a key each) and UPDATES appends to each: CONCURRENCY commands in flight. */
async function appendRound(store: EventStore, round: number): Promise<void> {
  const leads = Array.from({ length: LEADS }, (_, n) => ({ streamId: `lead-${newId()}`, events: leadEvents('x', round * LEADS + n) }));
  for (let i = 0; i < leads.length; i += CONCURRENCY) {
    await Promise.all(leads.slice(i, i + CONCURRENCY).map((lead) => store.appendToStream(lead.streamId, [lead.events.captured])));
  }
  for (let i = 0; i < leads.length; i += CONCURRENCY) {
    await Promise.all(leads.slice(i, i + CONCURRENCY).map((lead) => store.appendToStream(lead.streamId, lead.events.updates)));
  }
}

async function readEverything(store: EventStore): Promise<number> {
  let after: string | undefined;
  let count = 0;
  for (;;) {
    const slice = await store.readAll({ after, maxCount: 1000 });
    count += slice.events.length;
    if (slice.isEnd || slice.checkpoint === undefined) return count;
    after = slice.checkpoint;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-pd-'));
  const plain = openSqliteEventStore({ file: join(dir, 'plain.sqlite') });
  // As the embedded default keeps them: the keys in a table of the events' file, written in their group commit.
  const sealedEvents = openSqliteEventStore({ file: join(dir, 'sealed.sqlite') });
  const keyStore = SqliteKeyStore.beside(sealedEvents);
  const kek = randomBytes(32);
  const sealed = new PersonalDataEventStore(sealedEvents, new DataKeys(keyStore, kek), ALL_PERSONAL_FIELDS);
  try {
    // Warm-up: statements prepared, files grown, JIT warm.
    await appendRound(plain, 100);
    await appendRound(sealed, 100);
    let plainAppend = 0;
    let sealedAppend = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      plainAppend += (await measure('plain', 0, () => appendRound(plain, round))).seconds;
      sealedAppend += (await measure('sealed', 0, () => appendRound(sealed, round))).seconds;
    }
    const appended = ROUNDS * LEADS * (1 + UPDATES);
    const appends = {
      plain: { label: 'plain', count: appended, seconds: plainAppend },
      sealed: { label: 'sealed', count: appended, seconds: sealedAppend },
    };

    const total = await readEverything(plain);
    let plainRead = 0;
    let sealedRead = 0;
    let sealedColdRead = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      plainRead += (await measure('plain', 0, () => readEverything(plain).then(() => undefined))).seconds;
      // A reader whose keys are cached (a projection catching up), then one that finds every key in the key store.
      sealedRead += (await measure('sealed', 0, () => readEverything(sealed).then(() => undefined))).seconds;
      const cold = new PersonalDataEventStore(sealed.inner, new DataKeys(keyStore, kek, { cacheMs: 0 }), ALL_PERSONAL_FIELDS);
      sealedColdRead += (await measure('cold', 0, () => readEverything(cold).then(() => undefined))).seconds;
    }
    const read = (seconds: number, label: string): Figure => ({ label, count: ROUNDS * total, seconds });
    printComparison(
      `personal data sealed vs plaintext on embedded SQLite (${ROUNDS} rounds, ${appended.toLocaleString('en')} appends, ${total.toLocaleString('en')} events read per round)`,
      [
        {
          name: `append (${LEADS} new streams + ${UPDATES} updates each, ${CONCURRENCY} in flight)`,
          store: appends.sealed,
          raw: appends.plain,
        },
        { name: 'read $all, keys cached', store: read(sealedRead, 'sealed'), raw: read(plainRead, 'plain') },
        { name: 'read $all, every key from the key store', store: read(sealedColdRead, 'cold'), raw: read(plainRead, 'plain') },
      ],
    );
    process.stdout.write('ratio = sealed rate / plaintext rate (1.00 = no cost)\n');
  } finally {
    await plain.close();
    await sealed.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
