import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServiceOptionsModule } from '@crm/service/application';
import { NotCaughtUpError } from '@crm/shared/http';
import { ALL_PROJECTIONS } from '@crm/platform';
import { ReadModels } from '../read-models/read-models.service';
import { http, startTestApp, type TestApp } from '../testing/test-app';

const WORKSPACE = resolve(__dirname, '../../../..');

describe('production topology: the API with CRM_PROJECTIONS=off serves what crm-projector writes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-topology-'));
  const env = { CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dataDir, CRM_PROJECTIONS: 'off', CRM_READ_WAIT_MS: '300' };
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp(env, { contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0 })] });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers "not caught up" until the projector has run, then reads its collections at the position asked for', async () => {
    expect(ALL_PROJECTIONS.length).toBeGreaterThan(0);
    const post = (path: string, body: unknown) => http(server.url, 'POST', `/api/v1${path}`, body);
    const complaint = await post('/complaints', {
      complainant: { name: 'رضا کریمی' },
      channel: 'phone',
      category: 'کیفیت کالا',
      description: 'کالای تحویلی معیوب بود',
    });
    await post('/leads', { fullName: 'مریم احمدی', source: 'web', phone: '09121234567' });
    const last = await post(`/complaints/${complaint.body['id'] as string}/acknowledge`, {});
    const position = last.body['position'] as string;
    const health = await http<{ projections: unknown[] }>(server.url, 'GET', '/health');
    expect(health.body.projections).toEqual([]); // nothing runs in the API process

    const readModels = server.app.get(ReadModels);
    for (const { name } of ALL_PROJECTIONS) await expect(readModels.collection(name, position)).rejects.toBeInstanceOf(NotCaughtUpError);

    const { CRM_READ_STORE: _read, ...inherited } = process.env;
    const projector = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/crm-projector/src/main.ts'], {
      cwd: WORKSPACE,
      // Its log is read below: on whatever CRM_LOG the suite runs with (npm test silences logs).
      env: { ...inherited, ...env, CRM_PROJECTIONS: 'run', CRM_PROJECTOR_PORT: '0', CRM_LOG: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    projector.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    projector.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => projector.on('exit', (code) => done(code)));
    try {
      let documents = 0;
      for (const { name } of ALL_PROJECTIONS) {
        let collection: string | undefined;
        for (let attempt = 0; collection === undefined && attempt < 60; attempt += 1) {
          collection = await readModels.collection(name, position).catch((error: unknown) => {
            if (error instanceof NotCaughtUpError) return undefined;
            throw error;
          });
        }
        expect({ name, collection, output: collection ? '' : output }).toEqual({ name, collection: expect.any(String), output: '' });
        documents += await readModels.store.count(collection as string);
      }
      expect(documents).toBeGreaterThan(0);

      // An erasure by the API: the projector, which wrote the complainant's name, sees the record and purges its own collections.
      const everything = async () => {
        let all = '';
        for (const { name } of ALL_PROJECTIONS) {
          const collection = await readModels.collection(name);
          all += JSON.stringify(await readModels.store.find(collection, { limit: 10_000 }));
        }
        return all;
      };
      expect(await everything()).toContain('رضا کریمی');
      const erased = await post('/data-subjects/erase', {
        subject: { type: 'complaint', id: complaint.body['id'] },
        reason: 'درخواست شاکی',
      });
      expect(erased.status).toBe(200);
      const deadline = Date.now() + 10_000;
      while (!/erasure data-subject-[0-9a-f-]+: projections here purged/.test(output) && Date.now() < deadline)
        await new Promise((done) => setTimeout(done, 50));
      expect(output).toMatch(/erasure data-subject-[0-9a-f-]+: projections here purged/);
      expect(await everything()).not.toContain('رضا کریمی');
    } finally {
      projector.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
