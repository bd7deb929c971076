import { ALL_PROJECTIONS, type AppConfig, ConfigError, loadConfig, openEventStore, openReadStore } from '@crm/platform';
import { type ProjectorLog, startProjector } from './projector';

function line(level: string, message: string): string {
  return `${new Date().toISOString()} ${level} [projector] ${message}\n`;
}

const log: ProjectorLog = {
  info: (message) => void process.stdout.write(line('INFO', message)),
  warn: (message) => void process.stderr.write(line('WARN', message)),
  error: (message) => void process.stderr.write(line('ERROR', message)),
};

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
  const where = config.eventStore === 'sqlite' ? `sqlite (${config.dataDir}/crm.sqlite)` : config.eventStore;
  log.info(`starting on event store ${where}, read store ${config.readStore}`);
  const eventStore = await openEventStore(config);
  const readStore = await openReadStore(config, eventStore);
  const projector = await startProjector({ eventStore, readStore, projections: ALL_PROJECTIONS, log, statusEveryMs });

  let stopping: Promise<void> | undefined;
  const shutDown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    log.info(`${signal}: stopping after the batches in hand`);
    // The runner's subscriptions use both stores: it stops first, then the read store (it may share the connection), then the events.
    stopping = projector
      .stop()
      .then(() => readStore.close())
      .then(() => eventStore.close())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
}

main().catch((error: unknown) => {
  log.error(`cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
