import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ANONYMOUS, DEFAULT_TENANT, InMemoryEventStore, type EventStore } from '@crm/shared/event-sourcing';
import { InMemoryReadStore } from '@crm/shared/read-model';
import type { BatchReport } from './batch-telemetry';
import { ProjectionRunner } from './projection-runner';
import { bugs, dealsProjection, openDeal, ownersProjection } from './test-support';

const traceparentOf = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;

function openTracedDeal(store: EventStore, dealId: string, traceId: string) {
  const commandId = randomUUID();
  return store.appendToStream(`deal-${dealId}`, [
    {
      type: 'DealOpened',
      data: { dealId, owner: 'Ali', amount: 1 },
      metadata: {
        eventId: randomUUID(),
        commandId,
        correlationId: commandId,
        causationId: commandId,
        actor: ANONYMOUS,
        tenantId: DEFAULT_TENANT,
        occurredAt: '2026-01-01T08:30:00.000Z',
        schemaVersion: 1,
        traceparent: traceparentOf(traceId),
      },
    },
  ]);
}

describe('ProjectionRunner telemetry', () => {
  const exporter = new InMemorySpanExporter();
  let runner: ProjectionRunner;
  let events: InMemoryEventStore;
  const reports: BatchReport[] = [];

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => {
    exporter.reset();
    reports.length = 0;
    bugs.poisonThrows = true;
    events = new InMemoryEventStore();
  });
  afterEach(async () => runner.stop());

  const start = async () => {
    runner = new ProjectionRunner({
      eventStore: events,
      readStore: new InMemoryReadStore(),
      projections: [dealsProjection(), ownersProjection],
      batchSize: 10,
      onBatch: (report) => reports.push(report),
    });
    await runner.start();
    await runner.waitFor('owners', (await events.headPosition()) as string, 5000);
  };

  it('reports every batch: projection, phase, events, duration and outcome, a projection error included', async () => {
    await openDeal(events, 'a', 'Ali', 1);
    await openDeal(events, 'p', 'Ali', 2, undefined, true);
    await start();
    const deals = reports.filter((r) => r.projection === 'deals');
    const owners = reports.filter((r) => r.projection === 'owners');
    expect(owners.reduce((sum, r) => sum + r.applied, 0)).toBe(2);
    expect(owners.every((r) => r.outcome === 'applied' && r.phase === 'catch-up' && r.seconds >= 0)).toBe(true);
    expect(deals.at(-1)).toMatchObject({ outcome: 'failed', applied: 1, events: 2 });
  });

  it('runs each batch in its own trace, linked to the request of every event it applies', async () => {
    const first = 'a'.repeat(32);
    const second = 'b'.repeat(32);
    await openTracedDeal(events, 'a', first);
    await openTracedDeal(events, 'b', second);
    await openDeal(events, 'c', 'Ali', 1); // no trace context: no link
    await context.with(
      trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: 'c'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 })),
      start,
    );
    const batches = exporter.getFinishedSpans().filter((span) => span.name === 'projection owners');
    expect(batches.length).toBeGreaterThan(0);
    // A root span: not the child of whatever context started the runner.
    expect(batches.every((span) => span.parentSpanContext === undefined)).toBe(true);
    expect(batches.flatMap((span) => span.links.map((link) => link.context.traceId)).sort()).toEqual([first, second]);
    expect(batches[0]?.attributes).toMatchObject({ 'crm.projection': 'owners', 'crm.projection.phase': 'catch-up' });
  });
});
