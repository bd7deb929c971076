import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ApiKeyRegistry, Authenticator, loadApiKeySecret } from '@crm/identity/application';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { loadConfig } from '@crm/platform';
import { cli } from './testing/run-cli-in-process';

describe('crm-cli: tenants and its own actor (real SQLite data directory)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-identity-'));
  const env = { CRM_DATA_DIR: dataDir };
  const me = `cli:${userInfo().username}`;
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("seeds one tenant's history, recorded as the OS user on behalf of the demo staff, never anonymous", async () => {
    expect(await cli(['seed', '--events', '40', '--tenant', 'acme'], env)).toMatchObject({ code: 0 });
    const acme = await cli(['export', 'events', '--tenant', 'acme'], env);
    const events = acme.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RecordedEvent);
    expect(events.length).toBeGreaterThanOrEqual(40);
    expect(new Set(events.map((e) => e.metadata.tenantId))).toEqual(new Set(['acme']));
    expect(events.every((e) => e.metadata.actor.id === me && typeof e.metadata.actor.onBehalfOf === 'string')).toBe(true);
    // The default tenant holds none of it; every tenant's export does.
    expect((await cli(['export', 'events'], env)).stdout).toBe('');
    expect((await cli(['export', 'events', '--all-tenants'], env)).stdout.trim().split('\n')).toHaveLength(events.length);
    const first = events[0] as RecordedEvent;
    expect((await cli(['stream', first.streamId], env)).code).toBe(1);
    expect(await cli(['stream', first.streamId, '--tenant', 'acme'], env)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`by ${me} for `),
    });
  });

  it('refuses a malformed tenant as a usage error', async () => {
    expect(await cli(['export', 'events', '--tenant', 'Acme:1'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('is not a tenant id'),
    });
    expect(await cli(['export', 'events', '--tenant', 'acme', '--all-tenants'], env)).toMatchObject({ code: 2 });
  });

  it('creates a key the API accepts, lists it without secrets, and revokes it, all recorded as the OS user', async () => {
    const created = await cli(['api-keys', 'create', '--name', 'ops console', '--role', 'ops', '--tenant', 'acme'], env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^crm_[A-Za-z0-9_-]{43}$/);
    const listed = await cli(['api-keys', 'list', '--tenant', 'acme', '--json'], env);
    const [entry] = JSON.parse(listed.stdout) as { id: string; status: string; roles: string[] }[];
    expect(entry).toMatchObject({ status: 'active', roles: ['ops'] });
    expect(listed.stdout).not.toContain(key);

    // What the API does with the key: same secret, same registry, same verdict.
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
    const registry = new ApiKeyRegistry(store);
    try {
      await registry.start();
      const config = loadConfig(env);
      const authenticator = new Authenticator(config.auth, loadApiKeySecret(config.auth), registry);
      await expect(authenticator.authenticate(`Bearer ${key}`)).resolves.toMatchObject({ id: entry?.id, tenantId: 'acme', roles: ['ops'] });
      const [createdEvent] = await store.readStream(`api-key-${entry?.id}`, { tenantId: 'acme' });
      expect(createdEvent?.metadata.actor).toEqual({ id: me, roles: [] });
    } finally {
      await registry.onModuleDestroy();
      await store.close();
    }

    expect(await cli(['api-keys', 'revoke', entry?.id as string, '--tenant', 'globex'], env)).toMatchObject({ code: 1 });
    expect(await cli(['api-keys', 'revoke', entry?.id as string, '--tenant', 'acme', '--reason', 'rotated'], env)).toMatchObject({
      code: 0,
    });
    expect(JSON.parse((await cli(['api-keys', 'list', '--all-tenants', '--json'], env)).stdout)).toEqual([
      expect.objectContaining({ id: entry?.id, status: 'revoked' }),
    ]);
    expect(await cli(['api-keys', 'create', '--name', 'x', '--role', 'root'], env)).toMatchObject({ code: 2 });
    // A key's name as the API takes it: one line, at most 100 characters (an outside probe made one of 5,000, and one with
    // a line break and a terminal escape that `list` printed as a row of its own).
    const keys = async () => (await cli(['api-keys', 'list', '--all-tenants', '--json'], env)).stdout;
    const before = await keys();
    for (const name of ['x'.repeat(101), 'desk\nforged  acme  admin', 'desk\u001b[2J', '  ']) {
      expect(await cli(['api-keys', 'create', '--name', name, '--role', 'service'], env)).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--name'),
      });
    }
    expect(await keys()).toBe(before);
  });
});
