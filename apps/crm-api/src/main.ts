// First: tracing patches modules as they load (see instrumentation.ts).
import { tracing } from './instrumentation';
import type { AddressInfo } from 'node:net';
import { AUTH_OFF_WARNING } from '@crm/identity/application';
import { exitOnSignals, GracefulShutdown, ROOT_LOGGER, ShutdownState } from '@crm/operations';
import { ConfigError, loadConfig } from '@crm/platform';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import type { Logger } from 'pino';
import { createApp } from './create-app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const app = await createApp(config, { tracing }).catch((error: unknown) => {
    // Start-up refusals (a context's bad setting, an unreachable store) must be readable even with CRM_LOG=silent; a
    // configuration found wrong only once the store is open (a key-encryption key not the store's) exits as the others.
    process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  });
  // Said on stderr as well as in the log, so it shows even with CRM_LOG=silent.
  if (!config.auth.enabled) process.stderr.write(`WARNING: ${AUTH_OFF_WARNING}\n`);
  const logger = app.get<Logger>(ROOT_LOGGER);
  const graceful = new GracefulShutdown(app, app.get(ShutdownState), { graceMs: config.operations.shutdownGraceMs, logger });
  exitOnSignals(
    {
      async shutDown(reason) {
        await graceful.shutDown(reason);
        await tracing?.shutdown();
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

void main();
