// First: tracing patches modules as they load (see instrumentation.ts).
import { tracing } from './instrumentation';
import type { AddressInfo } from 'node:net';
import { AUTH_OFF_WARNING } from '@crm/identity/application';
import { exitOnSignals, GracefulShutdown, ROOT_LOGGER, ShutdownState, stopWithinBound } from '@crm/operations';
import { ConfigError, waitForPostgres } from '@crm/platform';
import { EVENT_STORE, READ_STORE } from '@crm/shared/http';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import type { Logger } from 'pino';
import { createApp } from './create-app';
import { loadServerConfig } from './server-config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadServerConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  // Started beside its PostgreSQL server (a host's boot, a compose file): waits for it rather than exiting at once.
  await waitForPostgres(config, { say: (line) => process.stderr.write(`${line}\n`) });
  const app = await createApp(config, { tracing }).catch((error: unknown) => {
    // Start-up refusals (a context's bad setting, an unreachable store) must be readable even with CRM_LOG=silent; a
    // configuration found wrong only once the store is open (a key-encryption key not the store's) exits as the others.
    process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  });
  // Said on stderr as well as in the log, so it shows even with CRM_LOG=silent.
  if (!config.auth.enabled) process.stderr.write(`WARNING: ${AUTH_OFF_WARNING}\n`);
  const logger = app.get<Logger>(ROOT_LOGGER);
  const graceMs = config.operations.shutdownGraceMs;
  const graceful = new GracefulShutdown(app, app.get(ShutdownState), { graceMs, logger });
  const closing = watchCloses({ 'event store': app.get<Closable>(EVENT_STORE), 'read store': app.get<Closable>(READ_STORE) });
  exitOnSignals(
    {
      async shutDown(reason) {
        // The requests have the grace; closing what they used (projections, reactors, stores) has it again.
        await stopWithinBound(
          async () => {
            await graceful.shutDown(reason);
            await tracing?.shutdown((message, error) => logger.warn({ err: error }, message));
          },
          {
            graceMs,
            logger,
            reason,
            what: 'shutdown',
            stuck: () => ({ requestsInFlight: graceful.requestsInFlight, notClosed: closing.unfinished() }),
          },
        );
      },
    },
    logger,
  );
  await app.listen(config.port, config.host).catch(async (error: unknown) => {
    // Its port taken: said on one line, and what start took (projection and reactor leases) given back, not left to lapse.
    process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  });
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.info(
    {
      url: `http://${config.host}:${port}/api/v1`,
      docs: `http://${config.host}:${port}/api/docs`,
      eventStore: config.eventStore,
      ...(config.eventStore === 'sqlite' ? { dataDir: config.dataDir } : {}),
      readStore: config.readStore,
      projections: config.runProjections ? 'run here' : 'run by crm-projector',
      tracing: tracing ? 'on' : 'off',
      // Every process of an installation must count days in the same zone (docs/metrics.md "Days and months").
      businessTimeZone: BUSINESS_CALENDAR.timeZone,
    },
    'CRM API listening',
  );
}

interface Closable {
  close(): Promise<void>;
}

/**
 * Notes when each store's close starts and ends (its instance's `close` wrapped), so a shutdown that runs out of time
 * can say what did not close: a store whose close never ended, or, none asked yet, the projections still stopping.
 */
function watchCloses(stores: Record<string, Closable>): { unfinished(): string[] } {
  const state = new Map<string, 'open' | 'closing' | 'closed'>();
  for (const [name, store] of Object.entries(stores)) {
    state.set(name, 'open');
    const close = store.close.bind(store);
    store.close = async () => {
      if (state.get(name) === 'open') state.set(name, 'closing');
      try {
        await close();
      } finally {
        state.set(name, 'closed');
      }
    };
  }
  return {
    unfinished() {
      const closingNow = [...state].filter(([, at]) => at === 'closing').map(([name]) => name);
      if (closingNow.length > 0) return closingNow;
      if ([...state.values()].includes('open')) return ['the projections and reactors (still stopping; no store asked to close yet)'];
      return ['tracing (its exporter)'];
    },
  };
}

void main();
