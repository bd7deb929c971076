import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiKey } from '@crm/identity/application';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { testIssuer, type TestIssuer } from '../testing/jwt-issuer';
import { assertReplyMatchesContract } from '../testing/openapi-contract';
import { http, issueKey, startTestApp, type HttpReply, type IssuedKey, type TestApp } from '../testing/test-app';

const feedback = { from: { name: 'رضا کریمی' }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' };

/**
 * What fetch (and Node's client, which writes header text as UTF-8) cannot send: a header given twice, or exact
 * bytes past ASCII. Each value's characters are written as the Latin-1 bytes they stand for, so `bytesOf('ê')` goes
 * out as the UTF-8 bytes of ê, and 'Jos\u00e9' as Latin-1.
 */
type RawHeaders = Record<string, string | readonly string[]>;
const bytesOf = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

function dechunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function rawPost(base: string, path: string, body: unknown, headers: RawHeaders): Promise<HttpReply> {
  const { hostname, port } = new URL(base);
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  const lines = [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close', 'content-type: application/json'];
  lines.push(`content-length: ${payload.length}`);
  for (const [name, values] of Object.entries(headers)) for (const value of [values].flat()) lines.push(`${name}: ${value}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.end(Buffer.concat([head, payload])));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const whole = Buffer.concat(chunks);
      const split = whole.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = whole.subarray(0, split).toString('latin1').split('\r\n');
      const replyHeaders = new Headers();
      for (const line of headerLines) replyHeaders.append(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim());
      const rest = whole.subarray(split + 4);
      const text = (replyHeaders.get('transfer-encoding') === 'chunked' ? dechunked(rest) : rest).toString('utf8');
      const parsed = (text ? JSON.parse(text) : undefined) as Record<string, unknown>;
      const status = Number(statusLine.split(' ')[1]);
      assertReplyMatchesContract(base, 'POST', path, status, replyHeaders.get('content-type'), parsed).then(
        () => resolve({ status, headers: replyHeaders, body: parsed }),
        reject,
      );
    });
  });
}

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
      ['another scheme', 'Token abc'],
      ['an unknown key', bearer(newApiKey())],
      ['a revoked key', bearer(revoked.key)],
      ['an expired JWT', bearer(await issuer.sign(claims, { expiresIn: now - 120 }))],
      ['a JWT for another audience', bearer(await issuer.sign({ ...claims, aud: 'billing-api' }))],
      ['a JWT from another issuer', bearer(await issuer.sign({ ...claims, iss: 'https://evil.example' }))],
      ['a JWT not valid yet', bearer(await issuer.sign(claims, { notBefore: now + 600 }))],
      ['a JWT valid for ten years', bearer(await issuer.sign(claims, { expiresIn: now + 10 * 365 * 86_400 }))],
      ['a JWT signed with an unknown key', bearer(await issuer.sign(claims, { key: 'stranger' }))],
      ['a JWT without a tenant', bearer(await issuer.sign({ ...claims, tenant: undefined }))],
    ];
    for (const [what, authorization] of cases) {
      const reply = await send(authorization);
      expect({ what, status: reply.status, code: reply.body['code'] }).toEqual({ what, status: 401, code: 'AUTH.UNAUTHENTICATED' });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // RFC 6750 §3.1: no error code for a request that carries no Bearer credentials (none, or another scheme).
      expect(reply.headers.get('www-authenticate')).toMatch(
        authorization === undefined || authorization.startsWith('Token ')
          ? /^Bearer realm="crm"$/
          : /^Bearer realm="crm", error="invalid_token"/,
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
  it('answers the challenge RFC 6750 §3.1 asks for: no error code without Bearer credentials, invalid_request for a malformed one', async () => {
    const cases: [string, string, string][] = [
      ['Basic credentials', 'Basic YTpi', 'Bearer realm="crm"'],
      ['another scheme', 'Token abc', 'Bearer realm="crm"'],
      ['Bearer without a token', 'Bearer', 'Bearer realm="crm", error="invalid_request"'],
      ['a token with a space inside', 'Bearer crm_a b', 'Bearer realm="crm", error="invalid_request"'],
      ['an unknown key', bearer(newApiKey()), 'Bearer realm="crm", error="invalid_token"'],
    ];
    for (const [what, authorization, challenge] of cases) {
      const reply = await send(authorization);
      expect({ what, status: reply.status, code: reply.body['code'] }).toEqual({ what, status: 401, code: 'AUTH.UNAUTHENTICATED' });
      const header = reply.headers.get('www-authenticate') ?? '';
      expect({ what, challenge: challenge.endsWith('"crm"') ? header : header.split(', error_description=')[0] }).toEqual({
        what,
        challenge,
      });
    }
  });

  it('refuses a request that repeats Authorization (not a list header, RFC 9110) with 400 REQUEST.MALFORMED, whichever comes first', async () => {
    const bad = bearer(newApiKey());
    const good = service.headers['authorization'] as string;
    expect((await rawPost(server.url, '/api/v1/feedback', feedback, { authorization: good })).status).toBe(201);
    for (const authorization of [
      [bad, good],
      [good, bad],
      [good, good],
    ]) {
      const reply = await rawPost(server.url, '/api/v1/feedback', feedback, { authorization });
      expect({ authorization, status: reply.status, code: reply.body['code'] }).toEqual({
        authorization,
        status: 400,
        code: 'REQUEST.MALFORMED',
      });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.body['detail']).toMatch(/Authorization/);
    }
  });

  it('takes X-On-Behalf-Of and Idempotency-Key as the document says: ASCII letters, digits and ._:@- (header bytes carry no text past ASCII)', async () => {
    const document = (await http(server.url, 'GET', '/api/docs-json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { pattern?: string } }[] }>>;
    };
    const parameters = document.paths['/api/v1/feedback']?.['post']?.parameters ?? [];
    const patternOf = (name: string) =>
      parameters.find((parameter) => parameter.in === 'header' && parameter.name === name)?.schema?.pattern;
    expect(patternOf('X-On-Behalf-Of')).toBe('^[A-Za-z0-9._:@-]{1,200}$');
    expect(patternOf('Idempotency-Key')).toBe('^[A-Za-z0-9._:@-]{1,200}$');
    const documented = new RegExp(patternOf('X-On-Behalf-Of') as string);

    const authorization = service.headers['authorization'] as string;
    const accepted = await rawPost(server.url, '/api/v1/feedback', feedback, {
      authorization,
      'x-on-behalf-of': 'Agent_12.desk:tehran@crm-7',
      'idempotency-key': 'order:2025-03-20@erp_7.1',
    });
    expect(accepted.status).toBe(201);
    expect((await eventOf(accepted)).metadata.actor.onBehalfOf).toBe('Agent_12.desk:tehran@crm-7');

    // What a client can put in these headers past ASCII arrives as Latin-1 bytes: a UTF-8 'ê' as 'Ãª' (two Latin-1
    // letters, which used to be recorded garbled), a Persian id as bytes some of which are no letters, a Latin-1 'é' as
    // itself. Each is refused, naming the header, as the document's pattern says.
    for (const [person, sent] of [
      ['ê (UTF-8)', bytesOf('ê')],
      ['علی (UTF-8)', bytesOf('علی')],
      ['José (Latin-1)', 'Jos\u00e9'],
    ] as const) {
      expect(documented.test(sent)).toBe(false);
      const onBehalf = await rawPost(server.url, '/api/v1/feedback', feedback, { authorization, 'x-on-behalf-of': sent });
      expect({ person, status: onBehalf.status, errors: onBehalf.body['errors'] }).toEqual({
        person,
        status: 400,
        errors: [expect.objectContaining({ field: 'header.X-On-Behalf-Of' })],
      });
      const keyed = await rawPost(server.url, '/api/v1/feedback', feedback, { authorization, 'idempotency-key': sent });
      expect({ person, status: keyed.status, errors: keyed.body['errors'] }).toEqual({
        person,
        status: 400,
        errors: [expect.objectContaining({ field: 'header.Idempotency-Key' })],
      });
    }
  });
});
