import type { ModuleMetadata } from '@nestjs/common';

/** The bounded contexts this host serves; each adds its command and query routes. */
export const CONTEXT_MODULES: NonNullable<ModuleMetadata['imports']> = [];
