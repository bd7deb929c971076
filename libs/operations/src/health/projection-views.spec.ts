import { HealthIndicatorService } from '@nestjs/terminus';
import type { ProjectionStatus } from '@crm/projections/runtime';
import { ANONYMOUS, DEFAULT_TENANT, InMemoryEventStore } from '@crm/shared/event-sourcing';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { loadConfig } from '@crm/platform';
import { ShutdownState } from '../shutdown/shutdown-state';
import { OperationsHealth } from './operations-health';
import { ProjectionViews } from './projection-views';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

async function appendAt(store: InMemoryEventStore, streamId: string, occurredAt: string) {
  return store.appendToStream(streamId, [
    {
      type: 'ContactCreated',
      data: {},
      metadata: {
        eventId: `${streamId}-e`,
        commandId: `${streamId}-c`,
        correlationId: `${streamId}-c`,
        causationId: `${streamId}-c`,
        actor: ANONYMOUS,
        tenantId: DEFAULT_TENANT,
        occurredAt,
        schemaVersion: 1,
      },
    },
  ]);
}

const status = (name: string, checkpoint: string | undefined, head: string, extra: Partial<ProjectionStatus> = {}): ProjectionStatus => ({
  name,
  codeVersion: 1,
  version: 1,
  collection: `${name}_v1_1`,
  phase: 'running',
  checkpoint,
  head,
  caughtUp: checkpoint === head,
  lag: Number(head) - Number(checkpoint ?? 0),
  ...extra,
});

describe('projection views and readiness', () => {
  let events: InMemoryEventStore;
  let readStore: InMemoryReadStore;

  beforeEach(async () => {
    events = new InMemoryEventStore();
    readStore = new InMemoryReadStore();
    await appendAt(events, 'contact-1', '2026-03-01T11:00:00.000Z');
    await appendAt(events, 'contact-2', '2026-03-01T11:58:00.000Z');
  });

  it('measures lag in seconds as the age of the oldest event a projection has not applied', async () => {
    const owned = {
      status: async () => [status('caught-up', '2', '2'), status('one-behind', '1', '2'), status('from-start', undefined, '2')],
    };
    const views = await new ProjectionViews({ eventStore: events, readStore, owned, now: () => NOW }).list();
    expect(views.map((view) => [view.name, view.owned, view.lagSeconds])).toEqual([
      ['caught-up', true, 0],
      ['one-behind', true, 120],
      ['from-start', true, 3600],
    ]);
  });

  it('fails readiness for a failed projection run here, or one further behind than CRM_READY_MAX_LAG_SECONDS', async () => {
    const failure = {
      eventId: 'e',
      position: '2',
      type: 'ContactCreated',
      streamId: 'contact-2',
      message: 'Error: boom',
      at: '2026-03-01T11:59:00.000Z',
    };
    const owned = { status: async () => [status('behind', '1', '2'), status('broken', '1', '2', { phase: 'failed', error: failure })] };
    const views = new ProjectionViews({ eventStore: events, readStore, owned, now: () => NOW });
    const list = await views.list();
    const strict = new OperationsHealth(new HealthIndicatorService(), new ShutdownState(), events, readStore, {
      config: loadConfig({ CRM_READY_MAX_LAG_SECONDS: '60' }),
      service: 'test',
    });
    expect(strict.projectionsServing(list)).toEqual({
      projections: { status: 'down', owned: 2, failed: ['broken'], lagging: [{ name: 'behind', lagSeconds: 120 }], maxLagSeconds: 60 },
    });
    const patient = new OperationsHealth(new HealthIndicatorService(), new ShutdownState(), events, readStore, {
      config: loadConfig({ CRM_READY_MAX_LAG_SECONDS: '300' }),
      service: 'test',
    });
    expect(patient.projectionsServing(list.filter((view) => view.name === 'behind'))).toMatchObject({ projections: { status: 'up' } });
  });

  it("counts a lane standing by for another process's lease as run elsewhere: it neither owns it nor is judged by it", async () => {
    const owned = { status: async () => [status('mine', '2', '2'), status('theirs', '1', '2', { phase: 'standby' })] };
    const list = await new ProjectionViews({ eventStore: events, readStore, owned, now: () => NOW }).list();
    expect(list.map((view) => [view.name, view.owned])).toEqual([
      ['mine', true],
      ['theirs', false],
    ]);
    const health = new OperationsHealth(new HealthIndicatorService(), new ShutdownState(), events, readStore, {
      config: loadConfig({ CRM_READY_MAX_LAG_SECONDS: '60' }),
      service: 'test',
    });
    expect(health.projectionsServing(list)).toMatchObject({ projections: { status: 'up', owned: 1 } });
  });

  it('shows projections run elsewhere from their committed states, serving builds only, without judging readiness by them', async () => {
    await readStore.transaction((tx) => {
      tx.saveState({ name: 'pipeline-leads', version: 2, generation: 1, collection: 'pipeline_leads_v2_1', checkpoint: '1' });
      tx.saveState({ name: 'pipeline-leads~rebuild', version: 3, generation: 2, collection: 'pipeline_leads_v3_2', checkpoint: '0' });
      tx.saveCheckpoint('sales.lead-qualification', '2');
    });
    const views = await new ProjectionViews({ eventStore: events, readStore, now: () => NOW }).list();
    expect(views).toEqual([
      expect.objectContaining({
        name: 'pipeline-leads',
        owned: false,
        version: 2,
        checkpoint: '1',
        caughtUp: false,
        lag: 1,
        lagSeconds: 120,
      }),
    ]);
    const checks = new OperationsHealth(new HealthIndicatorService(), new ShutdownState(), events, readStore, {
      config: loadConfig({}),
      service: 'test',
    });
    expect(checks.projectionsServing(views)).toMatchObject({ projections: { status: 'up', owned: 0 } });
  });

  it('warns of a projection that failed where it runs, whether this process runs others or none', async () => {
    const failure = {
      eventId: 'e',
      position: '2',
      type: 'ComplaintReceived',
      streamId: 'complaint-1',
      message: 'Error: boom',
      at: '2026-03-01T11:59:00.000Z',
    };
    const now = new Date(NOW).toISOString();
    await readStore.transaction((tx) => {
      tx.saveState({
        name: 'complaint-kpis',
        version: 1,
        generation: 1,
        collection: 'complaint_kpis_v1_1',
        checkpoint: '1',
        error: failure,
      });
      tx.saveState({
        name: 'pipeline-leads',
        version: 1,
        generation: 1,
        collection: 'pipeline_leads_v1_1',
        checkpoint: '2',
        updatedAt: now,
      });
    });
    await readStore.acquireLease('complaint-kpis', 'the-projector', 60_000);
    await readStore.acquireLease('pipeline-leads', 'the-projector', 60_000);
    const elsewhere = new ProjectionViews({ eventStore: events, readStore, now: () => NOW });
    expect(await elsewhere.warnings(await elsewhere.list())).toEqual([expect.stringMatching(/^Failed where they run: complaint-kpis \(/)]);

    // A process running some projections, standing by for one another process runs and has failed.
    const owned = { status: async () => [status('mine', '2', '2'), status('theirs', '1', '2', { phase: 'standby', error: failure })] };
    const mixed = new ProjectionViews({ eventStore: events, readStore, owned, now: () => NOW });
    expect(await mixed.warnings(await mixed.list())).toEqual([expect.stringMatching(/^Failed where they run: theirs \(/)]);
  });

  it('is not ready while the process is still starting its projections (taking their leases), and says so', async () => {
    let starting: string | undefined = 'starting: taking the leases of the projections (1 of 2 taken so far)';
    const owned = { status: async () => [status('mine', '2', '2')], starting: () => starting };
    const views = new ProjectionViews({ eventStore: events, readStore, owned, now: () => NOW });
    const health = new OperationsHealth(new HealthIndicatorService(), new ShutdownState(), events, readStore, {
      config: loadConfig({}),
      service: 'test',
    });
    expect(health.projectionsServing(await views.list(), undefined, views.starting)).toEqual({
      projections: { status: 'down', message: starting, starting: true, owned: 1, failed: [], lagging: [], maxLagSeconds: 60 },
    });
    starting = undefined;
    expect(health.projectionsServing(await views.list(), undefined, views.starting)).toMatchObject({ projections: { status: 'up' } });
  });
});
