import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { installIdentity, withAccessControl } from '@crm/identity/application';
import { CrmLogger, CrmMetrics, observeHttp, requestIdOf, ROOT_LOGGER, ShutdownState, type Tracing } from '@crm/operations';
import {
  acceptOnlyJsonBodies,
  configureHttpApp,
  createFastifyAdapter,
  EVENT_STORE,
  FINGERPRINT_KEY,
  gateCommands,
  hardenEdge,
  keyCommandIds,
} from '@crm/shared/http';
import type { AppConfig } from '@crm/platform';
import { eventIdFor, type EventStore } from '@crm/shared/event-sourcing';
import { AppModule, type AppModuleOptions } from './app.module';
import { CONTEXT_MODULES } from './contexts';

export interface CreateAppOptions extends AppModuleOptions {
  /** Started before the app (see instrumentation.ts): its Fastify plugin must see every route. */
  readonly tracing?: Tracing;
}

/** The one way to build the API, shared by `main.ts` and the end-to-end tests. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const { tracing, ...moduleOptions } = options;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { ...moduleOptions, contexts: [...CONTEXT_MODULES, ...(moduleOptions.contexts ?? [])] }),
    createFastifyAdapter(config.bodyLimitBytes, config.edge, { genReqId: requestIdOf }),
    // abortOnError off: a start-up refusal (an unreachable store; a bad CRM_SLA_POLICY or CRM_TIER_RULES when the app is built
    // without main.ts's loadServerConfig) reaches main.ts, which says why.
    // bodyParser off: configureHttpApp installs the one JSON parser (encoding, duplicate keys, depth, text) instead of Nest's.
    // logger off until CrmLogger takes over: a failed start is said once by main.ts, not by Nest's coloured console
    // logger with a stack trace (what it buffers is handed to CrmLogger on success as before).
    { bufferLogs: true, abortOnError: false, bodyParser: false, logger: false },
  );
  app.useLogger(app.get(CrmLogger));
  if (tracing) await app.register(tracing.fastify.plugin());
  // Order matters: onRequest hooks run as added. Requests are observed (ids, logs, metrics) first, so refusals count too;
  // then a caller is authenticated before its body type is judged.
  observeHttp(app, { metrics: app.get(CrmMetrics), logger: app.get(ROOT_LOGGER), shutdown: app.get(ShutdownState) });
  const limits = await hardenEdge(app, config.edge.rateLimit);
  installIdentity(app, limits);
  acceptOnlyJsonBodies(app.getHttpAdapter().getInstance());
  // Command ids of Idempotency-Keys keyed with the server secret, as request fingerprints and blind indexes are.
  const store = app.get<EventStore>(EVENT_STORE);
  keyCommandIds(app.getHttpAdapter().getInstance(), app.get<Buffer>(FINGERPRINT_KEY), async (commandId, tenantId) =>
    Boolean(await store.findEvent(eventIdFor(commandId, 0), { tenantId })),
  );
  // After the rate limit (preParsing, registered by hardenEdge): a refused caller does not wait for a slot.
  gateCommands(app.getHttpAdapter().getInstance(), config.edge.commandSlots);
  await configureHttpApp(app, { decorateDocument: withAccessControl });
  return app;
}
