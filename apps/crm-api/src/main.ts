import { ConfigError, loadConfig } from './config/app-config';
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
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const where = config.eventStore === 'sqlite' ? ` (SQLite under ${config.dataDir})` : '';
  process.stdout.write(
    `CRM API on http://${config.host}:${config.port}/api/v1 — docs at /api/docs — event store: ${config.eventStore}${where}\n`,
  );
}

void main();
