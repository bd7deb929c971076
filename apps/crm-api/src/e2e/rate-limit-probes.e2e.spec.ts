import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { http, startTestApp, type TestApp } from '../testing/test-app';

/** Counts the readiness checks that reach the event store (each asks for its head), each taking a while. */
class CountingStore extends InMemoryEventStore {
  heads = 0;

  override async headPosition(): Promise<string | undefined> {
    this.heads += 1;
    await new Promise((resolve) => setTimeout(resolve, 150));
    return super.headPosition();
  }
}

describe('the rate limit and the anonymous probes (liveness, readiness)', () => {
  const store = new CountingStore();
  let server: TestApp;
  const anonymous = (path: string) => http(server.url, 'GET', path, undefined, {}, { anonymous: true });

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_EVENT_STORE: 'memory', CRM_PROJECTIONS: 'off', CRM_RATE_LIMIT_MAX: '5', CRM_RATE_LIMIT_WINDOW_MS: '60000' },
      { eventStore: store },
    );
  });
  afterAll(async () => server.close());

  it('answers liveness and readiness when the address has spent its budget on other anonymous requests', async () => {
    // The budget of 5 spent (the contract check's own fetch of the document may have taken one).
    let status = 200;
    for (let i = 0; i < 6 && status === 200; i += 1) status = (await anonymous('/api/docs-json')).status;
    expect(status).toBe(429);
    // Before, both answered 429 here: an orchestrator would restart (or drain) a healthy process.
    for (let i = 0; i < 10; i += 1) {
      expect((await anonymous('/health/live')).status).toBe(200);
      expect((await anonymous('/health/ready')).status).toBe(200);
    }
    expect((await anonymous('/api/docs-json')).status).toBe(429);
  });

  it('lets concurrent readiness probes share one check, so the exemption cannot load the stores', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = store.heads;
    const replies = await Promise.all(Array.from({ length: 40 }, () => anonymous('/health/ready')));
    expect(replies.map((reply) => reply.status)).toEqual(Array.from({ length: 40 }, () => 200));
    // One check for the burst (40 before).
    expect(store.heads - before).toBeLessThanOrEqual(2);
  });
});
