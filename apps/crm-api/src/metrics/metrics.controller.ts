import { Controller, Get, Header, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ProjectionRunner } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { MetricsRegistry } from './metrics-registry';

@ApiTags('operations')
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsRegistry,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(PROJECTION_RUNNER) private readonly runner?: ProjectionRunner,
  ) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics: HTTP requests, projection lag and errors' })
  async scrape(): Promise<string> {
    // Projection state is read at scrape time, so the figures are never stale.
    for (const status of this.runner ? await this.runner.status() : []) {
      const labels = { projection: status.name };
      this.metrics.set('crm_projection_lag_events', 'Events the projection still has to apply', labels, status.lag ?? 0);
      this.metrics.set('crm_projection_caught_up', '1 when the projection has applied everything', labels, status.caughtUp ? 1 : 0);
      this.metrics.set('crm_projection_failed', '1 when the projection is stopped by an error', labels, status.error ? 1 : 0);
    }
    this.metrics.set(
      'crm_event_store_up',
      '1 when the event store answers',
      {},
      await this.store.headPosition().then(
        () => 1,
        () => 0,
      ),
    );
    return this.metrics.render();
  }
}
