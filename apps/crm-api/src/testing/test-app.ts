import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '@crm/platform';
import { createApp } from '../create-app';
import { serverScope } from './store-scope';
import type { AppModuleOptions } from '../app.module';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly config: AppConfig;
  close(): Promise<void>;
}

/**
 * The real HTTP server on a free port, on the embedded SQLite store in a fresh
 * directory (or whatever `env` says), for end-to-end tests. A `CRM_DATA_DIR`
 * given in `env` belongs to the caller: it is kept on close, so a second app
 * can start on the same data (restart and crash-recovery tests).
 */
export async function startTestApp(env: NodeJS.ProcessEnv = {}, options: AppModuleOptions = {}): Promise<TestApp> {
  const ownsDataDir = env['CRM_DATA_DIR'] === undefined;
  const dataDir = env['CRM_DATA_DIR'] ?? mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  const config = loadConfig({
    CRM_EVENT_STORE: 'sqlite',
    PORT: '0',
    HOST: '127.0.0.1',
    ...serverScope(env, dataDir),
    CRM_DATA_DIR: dataDir,
  });
  const app = await createApp(config, options);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpReply<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** fetch with JSON in and out; the body stays raw text when it is not JSON. */
export async function http<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpReply<T>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}
