import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { http, startTestApp } from '../testing/test-app';

const LOG_LEVELS = ['log', 'warn', 'error', 'debug', 'verbose', 'fatal'] as const;

/** Every line the app hands to its logger or writes to stdout/stderr while `work` runs. */
async function captureOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const spies = [
    ...LOG_LEVELS.map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    ),
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0),
  ];
  try {
    return { result: await work(), output: lines.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('the bootstrap admin key (real server, embedded SQLite)', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'crm-bootstrap-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = () => join(dataDir, 'bootstrap-admin.key');

  it('is created when no key exists: alone on one line in a 0600 file, its path logged, the key itself never', async () => {
    const { result: server, output } = await captureOutput(() => startTestApp({ CRM_DATA_DIR: dataDir }));
    try {
      const text = readFileSync(file(), 'utf8');
      expect(text).toMatch(/^crm_[A-Za-z0-9_-]{43}\n$/);
      expect(statSync(file()).mode & 0o777).toBe(0o600);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(output).toContain(file());
      expect(output).not.toContain(text.trim());
      const keys = await http(server.url, 'GET', '/api/v1/admin/api-keys', undefined, { authorization: `Bearer ${text.trim()}` });
      expect(keys.body['items']).toEqual([
        expect.objectContaining({ name: 'bootstrap admin', roles: ['admin'], tenantId: 'default', bootstrap: true }),
      ]);
      expect(JSON.stringify(keys.body)).not.toContain(text.trim());
      // Its record (name, roles, keyed hash) is the admin-only key list's, not an audited stream: /streams has none.
      const id = (keys.body['items'] as { id: string }[])[0]?.id as string;
      expect(
        await http(server.url, 'GET', `/api/v1/streams/api-key-${id}`, undefined, { authorization: `Bearer ${text.trim()}` }),
      ).toMatchObject({
        status: 404,
        body: { code: 'STREAM.NOT_FOUND' },
      });
    } finally {
      await server.close();
    }
  });

  it('is not created again once a key exists, even when its file is gone', async () => {
    const first = await startTestApp({ CRM_DATA_DIR: dataDir });
    const key = first.adminKey as string;
    await first.close();
    rmSync(file());
    const second = await startTestApp({ CRM_DATA_DIR: dataDir });
    try {
      expect(existsSync(file())).toBe(false);
      const keys = await http(second.url, 'GET', '/api/v1/admin/api-keys', undefined, { authorization: `Bearer ${key}` });
      expect((keys.body['items'] as unknown[]).length).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('is recovered into place after a start that recorded it but died before renaming its file', async () => {
    const first = await startTestApp({ CRM_DATA_DIR: dataDir });
    const key = first.adminKey as string;
    await first.close();
    renameSync(file(), `${file()}.pending`);
    const second = await startTestApp({ CRM_DATA_DIR: dataDir });
    try {
      expect(readFileSync(file(), 'utf8')).toBe(`${key}\n`);
      expect(existsSync(`${file()}.pending`)).toBe(false);
    } finally {
      await second.close();
    }
  });
});

describe('CRM_AUTH=off (embedded store only)', () => {
  it('serves everyone as an anonymous admin of tenant default, says so loudly, and makes no key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-auth-off-'));
    const { result: server, output } = await captureOutput(() => startTestApp({ CRM_DATA_DIR: dataDir, CRM_AUTH: 'off' }));
    try {
      expect(output).toMatch(/Authentication is OFF \(CRM_AUTH=off\)/);
      expect(existsSync(join(dataDir, 'bootstrap-admin.key'))).toBe(false);
      const health = await http(server.url, 'GET', '/health', undefined, {}, { anonymous: true });
      expect(health.body['warnings']).toEqual([expect.stringMatching(/Authentication is OFF/)]);
      const feedback = { from: { name: 'رضا' }, kind: 'idea', text: 'پیشنهاد', channel: 'web' };
      const created = await http(server.url, 'POST', '/api/v1/feedback', feedback, {}, { anonymous: true });
      expect(created.status).toBe(201);
      const stream = await http(
        server.url,
        'GET',
        `/api/v1/streams/feedback-${created.body['id'] as string}`,
        undefined,
        {},
        { anonymous: true },
      );
      expect((stream.body['events'] as RecordedEvent[])[0]?.metadata).toMatchObject({
        actor: { id: 'anonymous', roles: ['admin'] },
        tenantId: 'default',
      });
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
