import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { http, startTestApp, type TestApp } from '../testing/test-app';

/** An event store that stops answering when told: its head is never given (a half-open path to a dead server). */
class SilentStore extends InMemoryEventStore {
  silent = false;

  override headPosition(): Promise<string | undefined> {
    return this.silent ? new Promise(() => undefined) : super.headPosition();
  }
}

interface Check {
  readonly status: string;
  readonly error?: Record<string, { status: string; message?: string }>;
}

describe("readiness with an event store that never answers (within the stores' 2 s bound)", () => {
  const store = new SilentStore();
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'memory', CRM_PROJECTIONS: 'off' }, { eventStore: store });
  });
  afterAll(async () => {
    store.silent = false;
    await server.close();
  });

  it('answers 503 naming the event store after about 2 s, not after the projections’ 5 s', async () => {
    expect((await http(server.url, 'GET', '/health/ready')).status).toBe(200);
    // Past the second in which readiness answers probes from its last check.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    store.silent = true;
    const started = performance.now();
    const ready = await http<Check>(server.url, 'GET', '/health/ready');
    const elapsed = performance.now() - started;
    expect(ready.status).toBe(503);
    expect(ready.body.error?.['eventStore']).toEqual({
      status: 'down',
      kind: 'memory',
      message: 'the event store did not answer within 2000 ms',
    });
    // Before, about 5 s: the projections' states (read with the log's head) were waited for.
    expect(elapsed).toBeGreaterThan(1_900);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('says the same in /health (for operators), as fast', async () => {
    const started = performance.now();
    const details = await http<Check & { warnings?: string[] }>(server.url, 'GET', '/health');
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(details.status).toBe(503);
    expect(details.body.error?.['eventStore']).toMatchObject({ status: 'down' });
    expect(details.body.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining("The projections' states could not be read: not read: the event store")]),
    );
  });

  it('scrapes /metrics within the same bound, the event store as down (an outside probe waited 30 s, past a scrape timeout)', async () => {
    store.silent = true;
    const started = performance.now();
    const scraped = await http<string>(server.url, 'GET', '/metrics');
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(scraped.status).toBe(200);
    const text = typeof scraped.body === 'string' ? scraped.body : JSON.stringify(scraped.body);
    expect(text).toMatch(/^crm_store_up\{store="events"[^}]*\} 0$/m);
    expect(text).toMatch(/^crm_store_up\{store="read-models"[^}]*\} 1$/m);
  }, 10_000);
});
