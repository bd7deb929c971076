// First: tracing patches modules as they load (see instrumentation.ts).
import { tracing } from './instrumentation';
import type { AddressInfo } from 'node:net';
import { createOperationsServer, createRootLogger, CrmMetrics, exitOnSignals, ShutdownState, stopWithinBound } from '@crm/operations';
import {
  ALL_PROJECTIONS,
  type AppConfig,
  ConfigError,
  loadConfig,
  openEventStore,
  waitForPostgres,
  type OpenedEventStore,
  openReadStore,
} from '@crm/platform';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import type { ReadStore } from '@crm/shared/read-model';
import type { Logger } from 'pino';
import { createProjector, type ProjectorLog } from './projector';

function intervalFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError([`${name}=${JSON.stringify(raw)} must be a whole number of milliseconds`]);
  return value;
}

async function main(): Promise<void> {
  let config: AppConfig;
  let statusEveryMs: number;
  try {
    config = loadConfig();
    statusEveryMs = intervalFromEnv('CRM_PROJECTOR_STATUS_MS', 60_000);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createRootLogger({ level: config.operations.logLevel, service: 'crm-projector' });
  const log: ProjectorLog = {
    info: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
  const where = config.eventStore === 'sqlite' ? `sqlite (${config.dataDir}/crm.sqlite)` : config.eventStore;
  log.info(`starting on event store ${where}, read store ${config.readStore}`);
  // As the API: started beside its PostgreSQL server, it waits for it rather than exiting at once.
  await waitForPostgres(config, { say: (line) => log.warn(line) });
  const eventStore = await openEventStore(config);
  const readStore = await openReadStore(config, eventStore);
  // The health port first (live at once, not ready until every lease has been asked for), then the projections.
  const opening = open(config, { eventStore, readStore, log, statusEveryMs, logger });
  // From here on: a signal during start-up turns readiness 503 at once, waits for the start in hand, then stops as cleanly as later.
  exitOnSignals(
    {
      async shutDown(signal) {
        log.info(`${signal}: stopping after the batches in hand`);
        // Each step named as it starts: as the API's, the batches in hand have CRM_SHUTDOWN_GRACE_MS and closing the
        // stores the grace again; past that the line names the step it was stuck in.
        let step = 'the start in hand';
        await stopWithinBound(
          async () => {
            const running = await opening.catch(() => undefined);
            if (running) running.operations.get(ShutdownState).draining = true; // readiness 503 while the batches finish
            // The runner's subscriptions use both stores: it stops first, then the read store (it may share the connection), then the events.
            step = 'the projections and reactors (their batches in hand)';
            await running?.projector.stop();
            step = 'the operations server';
            await running?.operations.close();
            step = 'read store';
            await readStore.close();
            step = 'event store';
            await eventStore.close();
            step = 'tracing (its exporter)';
            await tracing?.shutdown((message, error) => logger.warn({ err: error }, message));
          },
          { graceMs: config.operations.shutdownGraceMs, logger, reason: signal, what: 'stopping', stuck: () => ({ notClosed: step }) },
        );
        log.info('stopped');
      },
    },
    logger,
  );
  const { projector, operations } = await opening;
  try {
    await projector.start();
  } catch (error) {
    // What it took is given back now, not left to lapse.
    await projector.stop().catch(() => undefined);
    await operations.close().catch(() => undefined);
    throw error;
  }
}

interface Opened {
  readonly eventStore: OpenedEventStore;
  readonly readStore: ReadStore;
  readonly log: ProjectorLog;
  readonly logger: Logger;
  readonly statusEveryMs: number;
}

/** The projector, made but not started, and its operations port, listening: /health/live answers while it takes its leases. */
async function open(config: AppConfig, { eventStore, readStore, log, logger, statusEveryMs }: Opened) {
  const metrics = new CrmMetrics({ service: 'crm-projector' });
  const projector = createProjector({
    eventStore,
    readStore,
    projections: ALL_PROJECTIONS,
    log,
    statusEveryMs,
    onBatch: (report) => metrics.batchApplied(report),
    ownership: { ttlMs: config.leaseTtlMs },
    retireGraceMs: config.rebuildGraceMs,
  });
  // Its own port: /metrics and /health for the projections run here ("starting" until every lease has been asked for).
  const operations = await createOperationsServer({
    config,
    service: 'crm-projector',
    metrics,
    eventStore,
    readStore,
    owned: projector,
  });
  try {
    await operations.listen(config.operations.projectorPort, config.operations.projectorHost);
  } catch (error) {
    // Its port taken (another projector?): nothing taken yet, nothing to give back.
    await operations.close().catch(() => undefined);
    throw error;
  }
  const { port } = operations.getHttpServer().address() as AddressInfo;
  logger.info(
    {
      url: `http://${config.operations.projectorHost}:${port}`,
      tracing: tracing ? 'on' : 'off',
      businessTimeZone: BUSINESS_CALENDAR.timeZone,
    },
    'projector operations endpoint listening',
  );
  return { projector, operations };
}

main().catch((error: unknown) => {
  // One line, as the API says it (the stack with CRM_DEBUG set); a configuration found wrong once the store is open
  // (a key-encryption key not the store's) exits as the other configuration errors do.
  const text = error instanceof Error ? (process.env['CRM_DEBUG'] ? (error.stack ?? error.message) : error.message) : String(error);
  process.stderr.write(`cannot start: ${text}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
