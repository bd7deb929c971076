import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { seedEventStore } from '@crm/demo-data';
import { loadConfig, openEventStore } from '@crm/platform';
import { SalesReactors } from '@crm/sales/application';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { startTestApp, type TestApp } from '../testing/test-app';

/**
 * `crm-cli seed` then a start: the sales reactors (lead qualification, quote acceptance) read every LeadQualified and
 * QuoteAccepted of the seeded history on their first run. The seed records each process-manager step with the ids
 * the reactor gives it, so the reactor finds it recorded: nothing is refused, nothing logged, nothing appended.
 */
describe('the first start on a seeded history (real server, embedded SQLite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-seeded-start-'));
  let server: TestApp | undefined;

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const count = async (store: EventStore, eventTypes: string[], after?: string) => {
    let events = 0;
    let checkpoint = after;
    for (;;) {
      const slice = await store.readAll({ after: checkpoint, maxCount: 1000, filter: { eventTypes } });
      events += slice.events.length;
      checkpoint = slice.checkpoint ?? checkpoint;
      if (slice.isEnd) return events;
    }
  };

  it('runs the sales reactors over it without a refusal, a warning or an event', async () => {
    const seeding = await openEventStore(loadConfig({ CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dataDir }));
    const { head } = await seedEventStore(seeding, { events: 5000, seed: 1 });
    const triggers = await count(seeding, ['LeadQualified', 'QuoteAccepted']);
    await seeding.close();
    expect(triggers).toBeGreaterThan(50);

    const lines: string[] = [];
    const logs = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    server = await startTestApp({ CRM_DATA_DIR: dataDir, CRM_LOG: 'info', CRM_PROJECTIONS: 'off' }, { logDestination: logs });
    await server.app.get(SalesReactors).caughtUp();

    const reactorLines = lines.filter((line) => line.includes('"SalesReactors"'));
    expect(reactorLines.length).toBeGreaterThan(0); // the log is captured: the reactors say where they run
    expect(reactorLines.filter((line) => line.includes('skipped') || line.includes('stopped'))).toEqual([]);
    // After the seed's head: the bootstrap admin key alone, no account, contact, deal or win.
    const store = server.app.get<symbol, EventStore>(EVENT_STORE);
    const after = await store.readAll({ after: head, maxCount: 100 });
    expect(after.events.map((event) => event.type)).toEqual(['ApiKeyCreated']);
  }, 120_000);
});
