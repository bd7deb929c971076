import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { IdentityModule } from '@crm/identity/application';
import { type AppConfig, ALL_PROJECTIONS } from '@crm/platform';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { ReadModelsModule } from './read-models/read-models.module';
import { ViewsModule } from './views/views.module';
import { StorageModule, type StorageOverrides } from './storage/storage.module';
import { StreamsController } from './streams/streams.controller';

export interface AppModuleOptions extends StorageOverrides {
  /** Context modules to mount (sales, service, …) besides the defaults. */
  readonly contexts?: ModuleMetadata['imports'];
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
        ReadModelsModule.forRoot(config, ALL_PROJECTIONS),
        ViewsModule,
        MetricsModule,
        ...(options.contexts ?? []),
      ],
      controllers: [HealthController, StreamsController],
    };
  }
}
