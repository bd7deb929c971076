import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type ApiProcess, spawnApi } from '../testing/api-process';
import { http } from '../testing/test-app';

/**
 * Another process holds the embedded event store's write lock past the busy timeout (5 s): a
 * `crm-cli` command writing a long transaction, an operator's sqlite3 shell. A command then
 * answers 503 STORE.UNAVAILABLE with Retry-After, as the contract says, not 500; it recorded
 * nothing, and its retry with the same Idempotency-Key succeeds once the lock is gone. While it
 * waits, the server answers other requests.
 */
describe('a store busy in another process (a separate API process)', () => {
  let dir: string;
  let api: ApiProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-busy-'));
  });
  afterAll(() => {
    api?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 STORE.UNAVAILABLE with Retry-After while the event store is locked, records nothing, and takes the retry after', async () => {
    api = spawnApi({ CRM_DATA_DIR: dir });
    const url = await api.listening;
    const auth = { authorization: `Bearer ${readFileSync(join(dir, 'bootstrap-admin.key'), 'utf8').trim()}` };
    const key = randomUUID();
    const lead = { fullName: 'سارا محمدی', email: `sara-${key.slice(0, 8)}@example.com`, source: 'web' };
    const headers = { ...auth, 'idempotency-key': key };

    // The first reply this process checks against the OpenAPI document fetches and compiles it: done before the timing.
    expect((await http(url, 'GET', '/health/live')).status).toBe(200);
    const other = new Database(join(dir, 'crm.sqlite'));
    const eventsBefore = () => other.prepare('SELECT count(*) AS n FROM events').pluck().get() as number;
    const before = eventsBefore();
    other.exec('BEGIN IMMEDIATE');
    let refused;
    try {
      const posted = http(url, 'POST', '/api/v1/leads', lead, headers);
      // Meanwhile the server answers other requests: the command waits for the lock on timers, not on the event loop.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = performance.now();
      expect((await http(url, 'GET', '/health/live')).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
      refused = await posted;
    } finally {
      other.exec('COMMIT');
    }
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ status: 503, code: 'STORE.UNAVAILABLE' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(refused.body)).not.toContain('locked'); // the driver's words stay inside
    expect(eventsBefore()).toBe(before);

    const retried = await http(url, 'POST', '/api/v1/leads', lead, headers);
    expect(retried.status).toBe(201);
    expect(eventsBefore()).toBeGreaterThan(before);
    other.close();
  }, 60_000);
});
