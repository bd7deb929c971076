import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AUTH_OFF_WARNING } from '@crm/identity/application';
import { describeStatus, type ProjectionRunner, type ProjectionStatus } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import { ApiProblem, EVENT_STORE } from '@crm/shared/http';
import type { AppConfig } from '@crm/platform';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { APP_CONFIG } from '../storage/storage.module';

const HEALTH_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'eventStore', 'projections'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'], description: 'degraded: a projection stopped on an error (its view is stale)' },
    eventStore: {
      type: 'object',
      required: ['kind', 'headPosition'],
      properties: { kind: { type: 'string' }, headPosition: { type: 'string', nullable: true } },
    },
    projections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'summary'],
        additionalProperties: true,
        properties: { name: { type: 'string' }, summary: { type: 'string' }, error: { type: 'string' } },
      },
    },
    warnings: { type: 'array', items: { type: 'string' }, description: 'What an operator must not miss, e.g. that authentication is off' },
  },
};

export interface Health {
  readonly status: 'ok' | 'degraded';
  readonly eventStore: { readonly kind: string; readonly headPosition: string | null };
  readonly projections: readonly (ProjectionStatus & { readonly summary: string })[];
  /** What an operator must not miss, e.g. that authentication is off. */
  readonly warnings?: readonly string[];
}

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(PROJECTION_RUNNER) private readonly runner?: ProjectionRunner,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: the event store answers; each projection with its position, lag and any error' })
  @ApiResponse({ status: 200, description: 'The event store answers', schema: HEALTH_SCHEMA })
  @ApiProblem(503, 'The event store does not answer')
  async health(): Promise<Health> {
    const head = await this.store.headPosition().catch((error: unknown) => {
      throw new ServiceUnavailableException(`event store unreachable: ${error instanceof Error ? error.message : String(error)}`);
    });
    const projections = this.runner ? await this.runner.status() : [];
    // A stopped projection leaves commands working but its view stale: degraded, not down.
    const degraded = projections.some((p) => p.error !== undefined);
    return {
      status: degraded ? 'degraded' : 'ok',
      eventStore: { kind: this.config.eventStore, headPosition: head ?? null },
      projections: projections.map((p) => ({ ...p, summary: describeStatus(p) })),
      ...(this.config.auth.enabled ? {} : { warnings: [AUTH_OFF_WARNING] }),
    };
  }
}
