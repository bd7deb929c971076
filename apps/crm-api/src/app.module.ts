import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { IdentityModule } from '@crm/identity/application';
import { type AppConfig, ALL_PROJECTIONS } from '@crm/platform';
import { OperationsModule } from '@crm/operations';
import type { AnyProjection } from '@crm/shared/read-model';
import type { DestinationStream } from 'pino';
import { ReadModelsModule } from './read-models/read-models.module';
import { ViewsModule } from './views/views.module';
import { StorageModule, type StorageOverrides } from './storage/storage.module';
import { StreamsController } from './streams/streams.controller';

export interface AppModuleOptions extends StorageOverrides {
  /** Context modules to mount (sales, service, …) besides the defaults. */
  readonly contexts?: ModuleMetadata['imports'];
  /** Projections to run besides the registered ones (tests run ones they can break and mend). */
  readonly projections?: readonly AnyProjection[];
  /** Where the JSON log lines go (tests read them); standard output by default. */
  readonly logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        StorageModule.forRoot(config, options),
        IdentityModule.forRoot(config.auth),
        ReadModelsModule.forRoot(config, [...ALL_PROJECTIONS, ...(options.projections ?? [])], (options.projections ?? []).length > 0),
        ViewsModule,
        OperationsModule.forRoot({ config, service: 'crm-api', logDestination: options.logDestination }),
        ...(options.contexts ?? []),
      ],
      controllers: [StreamsController],
    };
  }
}
