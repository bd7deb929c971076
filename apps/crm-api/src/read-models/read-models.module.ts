import {
  Global,
  Inject,
  Logger,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { CrmMetrics, OWNED_PROJECTIONS } from '@crm/operations';
import { ProjectionRunner } from '@crm/projections/runtime';
import { EVENT_STORE, READ_STORE } from '@crm/shared/http';
import type { AnyProjection, ReadStore } from '@crm/shared/read-model';
import { type AppConfig, type OpenedEventStore, openReadStore } from '@crm/platform';
import { PROJECTION_RUNNER, ReadModels } from './read-models.service';

/**
 * The read side of the process: the read store and, in the embedded mode, the
 * projection runner feeding it from the event store's `$all`.
 */
@Global()
@Module({})
export class ReadModelsModule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Projections');

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Optional() @Inject(PROJECTION_RUNNER) private readonly runner?: ProjectionRunner,
  ) {}

  static forRoot(config: AppConfig, projections: readonly AnyProjection[]): DynamicModule {
    return {
      module: ReadModelsModule,
      providers: [
        { provide: READ_STORE, inject: [EVENT_STORE], useFactory: (events: OpenedEventStore) => openReadStore(config, events) },
        ...(config.runProjections
          ? [
              {
                provide: PROJECTION_RUNNER,
                inject: [EVENT_STORE, READ_STORE, CrmMetrics],
                useFactory: (eventStore: OpenedEventStore, readStore: ReadStore, metrics: CrmMetrics) =>
                  new ProjectionRunner({ eventStore, readStore, projections, onBatch: (report) => metrics.batchApplied(report) }),
              },
              // Readiness and /metrics read the projections run here through the runner's status().
              { provide: OWNED_PROJECTIONS, useExisting: PROJECTION_RUNNER },
            ]
          : []),
        ReadModels,
      ],
      exports: [READ_STORE, ReadModels, ...(config.runProjections ? [PROJECTION_RUNNER, OWNED_PROJECTIONS] : [])],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runner) return;
    await this.runner.start();
    this.logger.log(`running ${this.runner.names().length} projections`);
  }

  // Before the storage module closes the event store: the runner reads from it and writes here.
  async onModuleDestroy(): Promise<void> {
    await this.runner?.stop();
    await this.readStore.close();
  }
}
