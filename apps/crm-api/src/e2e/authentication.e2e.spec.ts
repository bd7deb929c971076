import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiKey } from '@crm/identity/application';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { testIssuer, type TestIssuer } from '../testing/jwt-issuer';
import { http, issueKey, startTestApp, type HttpReply, type IssuedKey, type TestApp } from '../testing/test-app';

const feedback = { from: { name: 'رضا کریمی' }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' };

describe('authentication (real server, embedded SQLite, API keys and JWT)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-auth-'));
  let issuer: TestIssuer;
  let server: TestApp;
  let service: IssuedKey;

  const send = (authorization: string | undefined, headers: Record<string, string> = {}): Promise<HttpReply> =>
    http(server.url, 'POST', '/api/v1/feedback', feedback, authorization === undefined ? headers : { ...headers, authorization }, {
      anonymous: authorization === undefined,
    });
  const bearer = (token: string) => `Bearer ${token}`;
  const eventOf = async (reply: HttpReply): Promise<RecordedEvent> =>
    (
      (await http(server.url, 'GET', `/api/v1/streams/feedback-${reply.body['id'] as string}`)).body['events'] as RecordedEvent[]
    )[0] as RecordedEvent;

  beforeAll(async () => {
    issuer = await testIssuer(dir);
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite', ...issuer.env, CRM_JWT_ROLES_CLAIM: 'crm.roles' });
    service = await issueKey(server, { name: 'call-centre', roles: ['service'] });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 problem+json with WWW-Authenticate for every kind of bad credential', async () => {
    const revoked = await issueKey(server, { name: 'old service', roles: ['service'] });
    expect((await http(server.url, 'POST', `/api/v1/admin/api-keys/${revoked.id}/revoke`, { reason: 'rotated' })).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'user-7', tenant: 'default', crm: { roles: ['service'] } };
    const cases: [string, string | undefined][] = [
      ['no credentials', undefined],
      ['a malformed header', 'Token abc'],
      ['an unknown key', bearer(newApiKey())],
      ['a revoked key', bearer(revoked.key)],
      ['an expired JWT', bearer(await issuer.sign(claims, { expiresIn: now - 120 }))],
      ['a JWT for another audience', bearer(await issuer.sign({ ...claims, aud: 'billing-api' }))],
      ['a JWT from another issuer', bearer(await issuer.sign({ ...claims, iss: 'https://evil.example' }))],
      ['a JWT not valid yet', bearer(await issuer.sign(claims, { notBefore: now + 600 }))],
      ['a JWT signed with an unknown key', bearer(await issuer.sign(claims, { key: 'stranger' }))],
      ['a JWT without a tenant', bearer(await issuer.sign({ ...claims, tenant: undefined }))],
    ];
    for (const [what, authorization] of cases) {
      const reply = await send(authorization);
      expect({ what, status: reply.status, code: reply.body['code'] }).toEqual({ what, status: 401, code: 'AUTH.UNAUTHENTICATED' });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.headers.get('www-authenticate')).toMatch(
        authorization === undefined ? /^Bearer realm="crm"$/ : /^Bearer realm="crm", error="invalid_token"/,
      );
      // One quoted string per parameter (RFC 6750 §3: no `"` or `\` inside): a client's parser reads it whole.
      expect(reply.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="crm"(, error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*")?$/,
      );
    }
  });

  it("refuses a tenant admin the bootstrap key's revocation: it manages every tenant's keys", async () => {
    const admin = await issueKey(server, { name: 'tenant admin', roles: ['admin'] });
    const listed = await http(server.url, 'GET', '/api/v1/admin/api-keys', undefined, admin.headers);
    const bootstrap = (listed.body['items'] as { id: string; bootstrap: boolean }[]).find((key) => key.bootstrap);
    expect(bootstrap).toBeDefined();
    const revoke = (headers: Record<string, string>) =>
      http(server.url, 'POST', `/api/v1/admin/api-keys/${bootstrap?.id as string}/revoke`, { reason: 'takeover' }, headers);
    expect(await revoke(admin.headers)).toMatchObject({ status: 403, body: { code: 'AUTH.FORBIDDEN' } });
    // Still the bootstrap key: it lists every tenant's keys.
    expect((await http(server.url, 'GET', '/api/v1/admin/api-keys?tenantId=acme')).status).toBe(200);
  });

  it('records the principal, never the actor a client claims, and X-On-Behalf-Of beside it', async () => {
    const forged = { 'x-actor': 'ceo', 'x-actor-roles': 'admin,auditor', 'x-on-behalf-of': 'agent-12' };
    const byKey = await send(service.headers['authorization'], forged);
    expect(byKey.status).toBe(201);
    expect((await eventOf(byKey)).metadata.actor).toEqual({ id: service.id, roles: ['service'], onBehalfOf: 'agent-12' });

    const token = await issuer.sign({ sub: 'user-7', tenant: 'default', crm: { roles: ['service', 'unknown-role'] } });
    const byJwt = await send(bearer(token), { 'x-actor': 'ceo' });
    expect(byJwt.status).toBe(201);
    expect((await eventOf(byJwt)).metadata.actor).toEqual({ id: 'jwt:user-7', roles: ['service'] });
    // A token whose sub is an API key's id (or `cli:root`, `system:bootstrap`) does not read as that key, the CLI or the bootstrap.
    for (const sub of [service.id, 'cli:root', 'system:bootstrap']) {
      const posing = await send(bearer(await issuer.sign({ sub, tenant: 'default', crm: { roles: ['service'] } })));
      expect(posing.status).toBe(201);
      expect((await eventOf(posing)).metadata.actor).toEqual({ id: `jwt:${sub}`, roles: ['service'] });
    }
  });

  it("takes roles and tenant from the JWT's claims: without the role 403, another tenant's token writes there", async () => {
    const analyst = await issuer.sign({ sub: 'user-8', tenant: 'default', crm: { roles: ['analyst'] } });
    expect((await send(bearer(analyst))).body).toMatchObject({ status: 403, code: 'AUTH.FORBIDDEN' });
    const other = await issuer.sign({ sub: 'user-9', tenant: 'globex', crm: { roles: ['service'] } });
    const reply = await send(bearer(other));
    expect(reply.status).toBe(201);
    const path = `/api/v1/streams/feedback-${reply.body['id'] as string}`;
    expect((await http(server.url, 'GET', path)).status).toBe(404); // the bootstrap key is in tenant default
    const auditor = await issuer.sign({ sub: 'auditor-1', tenant: 'globex', crm: { roles: 'auditor' } });
    const read = await http(server.url, 'GET', path, undefined, { authorization: bearer(auditor) });
    expect((read.body['events'] as RecordedEvent[])[0]?.metadata).toMatchObject({ tenantId: 'globex', actor: { id: 'jwt:user-9' } });
  });
});
