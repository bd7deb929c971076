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
import { ProjectionRunner, switchLine } from '@crm/projections/runtime';
import { EVENT_STORE, READ_STORE, REACTOR_LEASES } from '@crm/shared/http';
import { defaultOwner, type AnyProjection, type ReactorLeases, type ReadStore } from '@crm/shared/read-model';
import { type AppConfig, type OpenedEventStore, openReadStore } from '@crm/platform';
import { ERASURE_BARRIER, purgeQuiesced, watchErasures, type ErasureBarrier, type PurgeRequest } from '@crm/privacy/application';
import type { Subscription } from '@crm/shared/event-sourcing';
import { personalDataLayer } from '@crm/shared/personal-data';
import { ReadSideHost } from './read-side-host';
import { PROJECTION_RUNNER, ReadModels, type ServingProjections } from './read-models.service';

/**
 * CRM_PROJECTIONS=run puts the projections on a worker thread with its own connections, unless
 * nothing can be shared between threads (a store in memory) or the projections are not the
 * registered ones (tests that add their own): those run inline, on this thread.
 */
/** The barrier on the inline runner; it remembers the erasures it purged, so the log's record of them is not purged twice. */
class InlineErasureBarrier implements ErasureBarrier {
  private readonly done = new Set<string>();

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly readStore: ReadStore,
    private readonly eventStore: OpenedEventStore,
  ) {}

  purge(request: PurgeRequest): Promise<number> {
    if (request.erasure !== undefined) this.done.add(request.erasure);
    return purgeQuiesced(this.runner, this.readStore, this.eventStore, personalDataLayer(this.eventStore)?.keys, request);
  }

  handled(erasure: string): boolean {
    return this.done.delete(erasure);
  }
}

function onWorkerThread(config: AppConfig, extraProjections: boolean): boolean {
  return config.projections === 'run' && !extraProjections && config.eventStore !== 'memory' && config.readStore !== 'memory';
}

/**
 * The read side of the process: the read store and, in the embedded mode, the
 * projection runner feeding it from the event store's `$all`.
 */
@Global()
@Module({})
export class ReadModelsModule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Projections');

  private erasures: Subscription | undefined;

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(EVENT_STORE) private readonly eventStore: OpenedEventStore,
    @Optional() @Inject(PROJECTION_RUNNER) private readonly runner?: ServingProjections,
    @Optional() @Inject(ERASURE_BARRIER) private readonly barrier?: ErasureBarrier,
  ) {}

  static forRoot(config: AppConfig, projections: readonly AnyProjection[], extraProjections = false): DynamicModule {
    const worker = onWorkerThread(config, extraProjections);
    const logger = new Logger('Projections');
    return {
      module: ReadModelsModule,
      providers: [
        { provide: READ_STORE, inject: [EVENT_STORE], useFactory: (events: OpenedEventStore) => openReadStore(config, events) },
        // Reactors and the deadline watcher: one owner across every process sharing this read store.
        {
          provide: REACTOR_LEASES,
          inject: [READ_STORE],
          useFactory: (store: ReadStore): ReactorLeases => ({ store, ttlMs: config.leaseTtlMs, owner: defaultOwner() }),
        },
        ...(config.runProjections
          ? [
              {
                provide: PROJECTION_RUNNER,
                inject: [EVENT_STORE, READ_STORE, CrmMetrics],
                useFactory: (eventStore: OpenedEventStore, readStore: ReadStore, metrics: CrmMetrics): ServingProjections =>
                  worker
                    ? new ReadSideHost({
                        config,
                        eventStore,
                        onBatch: (report) => metrics.batchApplied(report),
                        log: (level, message) => logger[level](message),
                      })
                    : new ProjectionRunner({
                        eventStore,
                        readStore,
                        projections,
                        onBatch: (report) => metrics.batchApplied(report),
                        ownership: { ttlMs: config.leaseTtlMs },
                        retireGraceMs: config.rebuildGraceMs,
                        onSwitch: (switched) => logger.log(switchLine(switched)),
                      }),
              },
              // Readiness and /metrics read the projections run here through the runner's status().
              { provide: OWNED_PROJECTIONS, useExisting: PROJECTION_RUNNER },
              // An erasure waits for the projections run here to stop, forget the keys and purge (docs/personal-data.md).
              {
                provide: ERASURE_BARRIER,
                inject: [PROJECTION_RUNNER, EVENT_STORE, READ_STORE],
                useFactory: (runner: ServingProjections, eventStore: OpenedEventStore, readStore: ReadStore): ErasureBarrier =>
                  runner instanceof ReadSideHost ? runner : new InlineErasureBarrier(runner as ProjectionRunner, readStore, eventStore),
              },
            ]
          : []),
        ReadModels,
      ],
      exports: [
        READ_STORE,
        REACTOR_LEASES,
        ReadModels,
        ...(config.runProjections ? [PROJECTION_RUNNER, OWNED_PROJECTIONS, ERASURE_BARRIER] : []),
      ],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runner) return;
    // Inline, the runner is here: erasures made by another process are purged from its collections too
    // (the read-side worker watches for them itself).
    if (this.runner instanceof ProjectionRunner)
      this.erasures = await watchErasures({
        eventStore: this.eventStore,
        readStore: this.readStore,
        keys: personalDataLayer(this.eventStore)?.keys,
        runner: this.runner,
        ...(this.barrier instanceof InlineErasureBarrier
          ? { handled: (erasure: string) => (this.barrier as InlineErasureBarrier).handled(erasure) }
          : {}),
        log: (message) => this.logger.log(message),
      });
    await this.runner.start();
    const where = this.runner instanceof ReadSideHost ? 'on the read-side worker thread' : 'on the API thread';
    this.logger.log(`running ${this.runner.names().length} projections ${where}`);
  }

  // Before the storage module closes the event store: the runner reads from it and writes here.
  async onModuleDestroy(): Promise<void> {
    await this.erasures?.stop();
    await this.runner?.stop();
    await this.readStore.close();
  }
}
