import { AUTH_OFF_WARNING } from '@crm/identity/application';
import { ConfigError, loadConfig } from '@crm/platform';
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
  const app = await createApp(config).catch((error: unknown) => {
    // Start-up refusals (a context's bad setting, an unreachable store) must be readable even with CRM_LOG=silent.
    process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
  // Said on stderr as well as in the log, so it shows even with CRM_LOG=silent.
  if (!config.auth.enabled) process.stderr.write(`WARNING: ${AUTH_OFF_WARNING}\n`);
  await app.listen(config.port, config.host);
  const where = config.eventStore === 'sqlite' ? ` (SQLite under ${config.dataDir})` : '';
  process.stdout.write(
    `CRM API on http://${config.host}:${config.port}/api/v1 — docs at /api/docs — event store: ${config.eventStore}${where}\n`,
  );
}

void main();
