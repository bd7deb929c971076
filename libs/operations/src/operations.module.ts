import { Global, Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { EventStore } from '@crm/shared/event-sourcing';
import { COMMAND_OBSERVER, EVENT_STORE, READ_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import { HealthController } from './health/health.controller';
import { OperationsHealth } from './health/operations-health';
import { ProjectionViews, type ProjectionStatusSource } from './health/projection-views';
import { createRootLogger, requestLoggingOptions } from './logging/logging';
import { CrmLogger } from './logging/nest-logger';
import { CrmMetrics } from './metrics/crm-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { OPERATIONS_OPTIONS, OWNED_PROJECTIONS, type OperationsOptions } from './operations-options';
import { ShutdownState } from './shutdown/shutdown-state';

export const ROOT_LOGGER = Symbol('RootLogger');

/**
 * What operators get from a CRM process: JSON logs with request and
 * correlation ids, Prometheus metrics, liveness, readiness and details
 * (terminus). Needs EVENT_STORE and READ_STORE; OWNED_PROJECTIONS where the
 * process runs projections.
 */
@Global()
@Module({})
export class OperationsModule {
  static forRoot(options: OperationsOptions): DynamicModule {
    const logger = createRootLogger({
      level: options.config.operations.logLevel,
      service: options.service,
      destination: options.logDestination,
    });
    return {
      module: OperationsModule,
      imports: [
        // Its own log line of a failing check repeats what /health answers and what the request line says (503).
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          pinoHttp: requestLoggingOptions(logger),
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OPERATIONS_OPTIONS, useValue: options },
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: CrmMetrics, useValue: options.metrics ?? new CrmMetrics({ service: options.service }) },
        { provide: COMMAND_OBSERVER, useExisting: CrmMetrics },
        ShutdownState,
        OperationsHealth,
        CrmLogger,
        {
          provide: ProjectionViews,
          inject: [EVENT_STORE, READ_STORE, { token: OWNED_PROJECTIONS, optional: true }],
          useFactory: (eventStore: EventStore, readStore: ReadStore, owned?: ProjectionStatusSource) =>
            new ProjectionViews({ eventStore, readStore, owned }),
        },
      ],
      exports: [ROOT_LOGGER, CrmMetrics, COMMAND_OBSERVER, ShutdownState, CrmLogger, ProjectionViews],
    };
  }
}
