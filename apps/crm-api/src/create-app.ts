import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { installIdentity, withAccessControl } from '@crm/identity/application';
import { acceptOnlyJsonBodies, configureHttpApp, createFastifyAdapter, hardenEdge } from '@crm/shared/http';
import type { AppConfig } from '@crm/platform';
import { AppModule, type AppModuleOptions } from './app.module';
import { CONTEXT_MODULES } from './contexts';

/** The one way to build the API, shared by `main.ts` and the end-to-end tests. */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { ...options, contexts: [...CONTEXT_MODULES, ...(options.contexts ?? [])] }),
    createFastifyAdapter(config.bodyLimitBytes, config.edge),
    // abortOnError off: a start-up refusal (bad CRM_SLA_POLICY, CRM_TIER_RULES, unreachable store) reaches main.ts, which says why.
    // bodyParser off: configureHttpApp installs the one JSON parser (encoding, duplicate keys, depth, text) instead of Nest's.
    { logger: process.env['CRM_LOG'] === 'silent' ? false : ['log', 'warn', 'error'], abortOnError: false, bodyParser: false },
  );
  app.enableShutdownHooks();
  // Order matters: onRequest hooks run as added, so a caller is authenticated before its body type is judged.
  const authFailures = await hardenEdge(app, config.edge.rateLimit);
  installIdentity(app, authFailures);
  acceptOnlyJsonBodies(app.getHttpAdapter().getInstance());
  await configureHttpApp(app, { decorateDocument: withAccessControl });
  return app;
}
