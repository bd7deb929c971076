import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore } from '@crm/shared/event-sourcing';
import { createFastifyAdapter, EVENT_STORE, ProblemDetailsFilter, READ_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import type { ProjectionStatusSource } from './health/projection-views';
import { observeHttp } from './http/http-observability';
import { requestIdOf } from './logging/logging';
import { CrmLogger } from './logging/nest-logger';
import { CrmMetrics } from './metrics/crm-metrics';
import { OWNED_PROJECTIONS, type OperationsOptions } from './operations-options';
import { OperationsModule, ROOT_LOGGER } from './operations.module';
import { ShutdownState } from './shutdown/shutdown-state';

export interface OperationsServerOptions extends OperationsOptions {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  /** The projections this process runs. */
  readonly owned?: ProjectionStatusSource;
}

@Module({})
class OperationsServerModule {
  static forRoot(options: OperationsServerOptions): DynamicModule {
    const stores = {
      module: class OperationsStores {},
      global: true,
      providers: [
        { provide: EVENT_STORE, useValue: options.eventStore },
        { provide: READ_STORE, useValue: options.readStore },
        ...(options.owned ? [{ provide: OWNED_PROJECTIONS, useValue: options.owned }] : []),
      ],
      exports: [EVENT_STORE, READ_STORE, ...(options.owned ? [OWNED_PROJECTIONS] : [])],
    };
    return { module: OperationsServerModule, imports: [stores, OperationsModule.forRoot(options)] };
  }
}

/**
 * `/metrics`, `/health/live`, `/health/ready` and `/health` for a process
 * that serves no API (crm-projector), on its own port; the caller owns the
 * stores and listens.
 */
export async function createOperationsServer(options: OperationsServerOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    OperationsServerModule.forRoot(options),
    createFastifyAdapter(options.config.bodyLimitBytes, options.config.edge, { genReqId: requestIdOf }),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(CrmLogger));
  app.useGlobalFilters(new ProblemDetailsFilter());
  observeHttp(app, { metrics: app.get(CrmMetrics), logger: app.get(ROOT_LOGGER), shutdown: app.get(ShutdownState) });
  return app;
}
