import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { type Child, poll, startApp } from './testing/child-process';

const PROJECTOR = 'apps/crm-projector/src/main.ts';

describe('crm-projector operations: JSON logs, /metrics and /health on its own port, SIGTERM', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-projector-ops-'));
  const dataDir = join(root, 'data');
  let projector: Child;
  let head = '';

  beforeAll(async () => {
    mkdirSync(dataDir);
    const seeding = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
    head = (await seedEventStore(seeding, { events: 500, seed: 7 })).head as string;
    await seeding.close();
    projector = startApp(PROJECTOR, [], dataDir, { CRM_LOG: 'info' });
  }, 30_000);
  afterAll(async () => {
    if (projector.process.exitCode === null) projector.process.kill('SIGKILL');
    await projector.exited;
    rmSync(root, { recursive: true, force: true });
  });

  const lines = () =>
    projector
      .output()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('serves readiness once its projections have caught up, and metrics about them', async () => {
    const url = await poll(
      () => lines().find((line) => line['msg'] === 'projector operations endpoint listening')?.['url'] as string | undefined,
      30_000,
      () => projector.output(),
    );
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    let ready: Response | undefined;
    const deadline = Date.now() + 30_000;
    while ((ready = await fetch(`${url}/health/ready`)).status !== 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ready.status).toBe(200);
    const details = (await (await fetch(`${url}/health`)).json()) as {
      service: string;
      projectionsRunHere: boolean;
      eventStore: { headPosition: string };
      projections: { name: string; owned: boolean; checkpoint: string; caughtUp: boolean }[];
    };
    expect(details).toMatchObject({ service: 'crm-projector', projectionsRunHere: true, eventStore: { headPosition: head } });
    expect(details.projections.length).toBeGreaterThan(0);
    expect(details.projections.filter((p) => !p.owned || !p.caughtUp)).toEqual([]);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^crm_projection_batch_duration_seconds_count\{[^}]*service="crm-projector"[^}]*\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^crm_projection_events_applied_total\{[^}]*projection="pipeline-leads"[^}]*\} [1-9]\d*$/m);
    expect(metrics).toMatch(new RegExp(`^crm_projection_position\\{[^}]*projection="pipeline-leads"[^}]*\\} ${head}$`, 'm'));
    expect(metrics).toMatch(/^crm_projection_failed\{[^}]*projection="pipeline-leads"[^}]*\} 0$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes\{service="crm-projector"\} \d+/m);
  }, 60_000);

  it('logs JSON lines only, and stops with exit 0 on SIGTERM after its batches', async () => {
    projector.process.kill('SIGTERM');
    expect(await projector.exited).toEqual({ code: 0, signal: null });
    const logged = lines(); // throws on any line that is not JSON
    expect(logged.every((line) => line['service'] === 'crm-projector' && typeof line['level'] === 'string')).toBe(true);
    expect(logged.map((line) => line['msg'])).toEqual(expect.arrayContaining(['SIGTERM: stopping after the batches in hand', 'stopped']));
    expect(projector.output()).not.toContain('\u001b[');
  });
});
