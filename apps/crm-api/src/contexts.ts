import type { ModuleMetadata } from '@nestjs/common';
import { SalesModule } from '@crm/sales/application';
import { ServiceModule } from '@crm/service/application';

/** The bounded contexts this host serves; each adds its command and query routes. */
export const CONTEXT_MODULES: NonNullable<ModuleMetadata['imports']> = [SalesModule, ServiceModule];
