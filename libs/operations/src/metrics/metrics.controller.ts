import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE, READ_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import { withinTimeout } from '../health/operations-health';
import { ProjectionViews } from '../health/projection-views';
import { CrmMetrics } from './crm-metrics';

const answers = (work: Promise<unknown>): Promise<boolean> =>
  work.then(
    () => true,
    () => false,
  );

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: CrmMetrics,
    private readonly projections: ProjectionViews,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  @Get()
  @ApiProduces('text/plain')
  @ApiOperation({
    summary:
      'Prometheus metrics: HTTP request, command, append and projection batch latency histograms; projection position, ' +
      'lag in events and seconds, failures; store reachability; Node process and runtime metrics',
  })
  @ApiResponse({
    status: 200,
    description: 'Prometheus text exposition format 0.0.4',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    // Read at scrape time, so the figures are never stale; each within the stores' bound readiness keeps (2 s), so a
    // store that has stopped answering is scraped as down in time (an outside probe: 30 s, past Prometheus's 10 s
    // scrape timeout, so `crm_store_up 0` was never recorded when it mattered).
    const [views, events, readModels] = await Promise.all([
      withinTimeout(this.projections.list(), 'the projections').catch(() => []),
      answers(withinTimeout(this.eventStore.headPosition(), 'the event store')),
      answers(withinTimeout(this.readStore.loadState('~health'), 'the read store')),
    ]);
    this.metrics.observeState(views, { events, readModels });
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
