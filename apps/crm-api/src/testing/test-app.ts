import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '@crm/platform';
import { createApp, type CreateAppOptions } from '../create-app';
import { serverScope } from './store-scope';
import { assertReplyMatchesContract } from './openapi-contract';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly config: AppConfig;
  /** The bootstrap admin key, which `http()` sends for this app unless told otherwise (undefined with CRM_AUTH=off). */
  readonly adminKey: string | undefined;
  close(): Promise<void>;
}

/** Base URL → the bootstrap admin key of the app serving it, so tests that predate authentication keep working unchanged. */
const adminKeys = new Map<string, string>();

function readAdminKey(config: AppConfig): string | undefined {
  const file = config.auth.bootstrapKeyFile;
  return config.auth.enabled && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * The real HTTP server on a free port, on the embedded SQLite store in a fresh
 * directory (or whatever `env` says), for end-to-end tests, with
 * authentication on as in production. A `CRM_DATA_DIR` given in `env` belongs
 * to the caller: it is kept on close, so a second app can start on the same
 * data (restart and crash-recovery tests).
 */
export async function startTestApp(env: NodeJS.ProcessEnv = {}, options: CreateAppOptions = {}): Promise<TestApp> {
  const ownsDataDir = env['CRM_DATA_DIR'] === undefined;
  const dataDir = env['CRM_DATA_DIR'] ?? mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  // Quiet unless CRM_LOG (or `env`) asks for log lines.
  const config = loadConfig({
    CRM_EVENT_STORE: 'sqlite',
    PORT: '0',
    HOST: '127.0.0.1',
    CRM_LOG: process.env['CRM_LOG'] ?? 'silent',
    // The runner on the test's own thread, where specs can reach it (rebuild, resume); the read-side
    // worker thread of the default (run) has its own specs, which ask for it.
    CRM_PROJECTIONS: 'inline',
    ...serverScope(env, dataDir),
    CRM_DATA_DIR: dataDir,
  });
  const app = await createApp(config, options);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const adminKey = readAdminKey(config);
  if (adminKey !== undefined) adminKeys.set(url, adminKey);
  let closed = false;
  return {
    app,
    config,
    url,
    adminKey,
    async close() {
      // Once: a spec that failed after closing its server closes it again in afterAll.
      if (closed) return;
      closed = true;
      adminKeys.delete(url);
      await app.close();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpOptions {
  /** Send no credentials (the bootstrap admin key is attached otherwise). */
  readonly anonymous?: boolean;
}

export interface HttpReply<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/**
 * fetch with JSON in and out; a string or bytes body is sent as is; the reply
 * body stays raw text when it is not JSON. Sends the app's bootstrap admin key
 * unless the call brings its own `authorization` header or asks to be
 * anonymous. Every reply is checked against the OpenAPI document the server
 * publishes: one that breaks it fails the test.
 */
export async function http<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  options: HttpOptions = {},
): Promise<HttpReply<T>> {
  const ownCredentials = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  const adminKey = adminKeys.get(base);
  const credentials: Record<string, string> =
    ownCredentials || options.anonymous || adminKey === undefined ? {} : { authorization: `Bearer ${adminKey}` };
  const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...credentials, ...json, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  await assertReplyMatchesContract(base, method, path, response.status, response.headers.get('content-type'), parsed);
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/**
 * Commands that must succeed, each remembering the log position it answered: `get` reads a view with that position
 * as `minPosition`, so it answers once its read models have applied every command sent before it.
 */
export function readYourWrites(server: () => TestApp) {
  let position = '';
  const post = async (path: string, body: unknown): Promise<HttpReply> => {
    const reply = await http(server().url, 'POST', `/api/v1${path}`, body);
    if (reply.status >= 300) throw new Error(`${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    if (typeof reply.body['position'] !== 'string') throw new Error(`${path}: no position in ${JSON.stringify(reply.body)}`);
    position = reply.body['position'];
    return reply;
  };
  const get = (path: string) => http(server().url, 'GET', `/api/v1${path}${path.includes('?') ? '&' : '?'}minPosition=${position}`);
  return { post, get, position: () => position };
}

export interface IssuedKey {
  readonly id: string;
  readonly key: string;
  /** `{ authorization: 'Bearer …' }`, to pass as `http()` headers. */
  readonly headers: Readonly<Record<string, string>>;
}

/** An API key made through the admin route (by the bootstrap key unless `by` names another admin's headers). */
export async function issueKey(
  server: TestApp,
  request: { readonly name: string; readonly roles: readonly string[]; readonly tenantId?: string },
  by: Readonly<Record<string, string>> = {},
): Promise<IssuedKey> {
  const reply = await http(server.url, 'POST', '/api/v1/admin/api-keys', request, { ...by });
  if (reply.status !== 201) throw new Error(`cannot issue a key: ${reply.status} ${JSON.stringify(reply.body)}`);
  const { id, key } = reply.body as { id: string; key: string };
  return { id, key, headers: { authorization: `Bearer ${key}` } };
}
