import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { positionOrdinal, type BatchReport } from '@crm/projections/runtime';
import type { AppendOutcome, CommandObserver, CommandOutcome } from '@crm/shared/http';
import type { ProjectionView } from '../health/projection-views';

// Seconds, from a fast SQLite append (~1 ms) to a command stuck behind a slow store.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Requests no route matched share one label, so unknown paths cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Every metric a CRM process exposes, in a registry of its own (two apps in
 * one process, as in the tests, never share or clash), with Node's process
 * and runtime metrics beside them.
 */
export class CrmMetrics implements CommandObserver {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'crm_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and the status actually sent',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly commandDuration = new Histogram({
    name: 'crm_command_duration_seconds',
    help: 'Commands by type and outcome (accepted, duplicate, refused, failed), load to append',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly appendDuration = new Histogram({
    name: 'crm_event_store_append_duration_seconds',
    help: 'Appends to the event store by stream category and outcome (ok, refused or failed)',
    labelNames: ['category', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly appendedEvents = new Counter({
    name: 'crm_events_appended_total',
    help: 'Events appended by stream category',
    labelNames: ['category'] as const,
    registers: [this.registry],
  });
  private readonly batchDuration = new Histogram({
    name: 'crm_projection_batch_duration_seconds',
    help: 'Projection batches (read-store transaction included) by projection and phase',
    labelNames: ['projection', 'phase'] as const,
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  private readonly eventsApplied = new Counter({
    name: 'crm_projection_events_applied_total',
    help: 'Events applied by projection and phase',
    labelNames: ['projection', 'phase'] as const,
    registers: [this.registry],
  });
  private readonly batchFailures = new Counter({
    name: 'crm_projection_batch_failures_total',
    help: 'Batches that failed: reason "projection" stops it at the event, "store" is retried',
    labelNames: ['projection', 'phase', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly projectionGauges = {
    position: this.gauge('crm_projection_position', 'Checkpoint of the projection as a number (the adapter position; estimate)'),
    lagEvents: this.gauge('crm_projection_lag_events', 'Events of the log the projection has not scanned yet (estimated from positions)'),
    lagSeconds: this.gauge('crm_projection_lag_seconds', 'Age of the oldest event the projection has not applied; 0 when caught up'),
    failed: this.gauge('crm_projection_failed', '1 when the projection is stopped by an error'),
    caughtUp: this.gauge('crm_projection_caught_up', '1 when the projection has applied everything'),
  };
  private readonly storeUp = new Gauge({
    name: 'crm_store_up',
    help: '1 when the store answers (store: events, read-models)',
    labelNames: ['store'] as const,
    registers: [this.registry],
  });

  constructor(options: { readonly service: string }) {
    this.registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: this.registry });
  }

  private gauge(name: string, help: string): Gauge<'projection' | 'owner'> {
    return new Gauge({ name, help, labelNames: ['projection', 'owner'] as const, registers: [this.registry] });
  }

  requestServed(method: string, route: string | undefined, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route: route ?? UNMATCHED_ROUTE, status: String(status) }, seconds);
  }

  commandHandled(commandType: string, outcome: CommandOutcome, seconds: number): void {
    this.commandDuration.observe({ command: commandType, outcome }, seconds);
  }

  eventsAppended(category: string, events: Readonly<Record<string, number>>, seconds: number, outcome: AppendOutcome): void {
    this.appendDuration.observe({ category, outcome }, seconds);
    if (outcome !== 'ok') return;
    for (const [of, count] of Object.entries(events)) if (count > 0) this.appendedEvents.inc({ category: of }, count);
  }

  batchApplied(report: BatchReport): void {
    const labels = { projection: report.projection, phase: report.phase };
    this.batchDuration.observe(labels, report.seconds);
    if (report.applied > 0) this.eventsApplied.inc(labels, report.applied);
    if (report.outcome !== 'applied') this.batchFailures.inc({ ...labels, reason: report.outcome === 'failed' ? 'projection' : 'store' });
  }

  /** Projection and store gauges as of now: set at scrape time, so they are never stale and a removed projection disappears. */
  observeState(views: readonly ProjectionView[], stores: { readonly events: boolean; readonly readModels: boolean }): void {
    for (const gauge of Object.values(this.projectionGauges)) gauge.reset();
    for (const view of views) {
      const labels = { projection: view.name, owner: view.owned ? 'here' : 'elsewhere' };
      const position = positionOrdinal(view.checkpoint);
      if (position !== undefined) this.projectionGauges.position.set(labels, position);
      if (view.lag !== undefined) this.projectionGauges.lagEvents.set(labels, view.lag);
      if (view.lagSeconds !== undefined) this.projectionGauges.lagSeconds.set(labels, view.lagSeconds);
      this.projectionGauges.failed.set(labels, view.error ? 1 : 0);
      this.projectionGauges.caughtUp.set(labels, view.caughtUp ? 1 : 0);
    }
    this.storeUp.set({ store: 'events' }, stores.events ? 1 : 0);
    this.storeUp.set({ store: 'read-models' }, stores.readModels ? 1 : 0);
  }
}
