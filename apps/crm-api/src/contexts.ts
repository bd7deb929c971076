import type { ModuleMetadata } from '@nestjs/common';
import { ActivitiesModule } from '@crm/activities/application';
import { MarketingModule } from '@crm/marketing/application';
import { PrivacyModule } from '@crm/privacy/application';
import { SalesModule } from '@crm/sales/application';
import { ServiceModule } from '@crm/service/application';
import { READ_STORE } from '@crm/shared/http';

/** The bounded contexts this host serves; each adds its command and query routes. */
export const CONTEXT_MODULES: NonNullable<ModuleMetadata['imports']> = [
  // Process managers keep their checkpoints beside the read models, so a restart resumes instead of replaying all.
  SalesModule.forRoot({ checkpoints: { useExisting: READ_STORE } }),
  ServiceModule,
  MarketingModule,
  ActivitiesModule,
  PrivacyModule,
];
