import { basename } from 'node:path';

/**
 * The end-to-end suite runs on the embedded SQLite store by default. With
 * E2E_STORE=eventstoredb (read models in MongoDB) or postgres it runs against
 * those servers (README "Production topology"), which every test app then
 * shares: each app gets a scope of its own there — a KurrentDB stream prefix,
 * a MongoDB database, a PostgreSQL schema — named after its data directory,
 * so an app restarted on the same directory finds its data again.
 */
export function serverScope(env: NodeJS.ProcessEnv, dataDir: string): NodeJS.ProcessEnv {
  const store = env['CRM_EVENT_STORE'];
  const scope = `e2e_${basename(dataDir)
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase()}`;
  const from = (name: string) => ((env[name] ?? process.env[name]) ? { [name]: env[name] ?? process.env[name] } : {});
  if (store === 'eventstoredb') {
    return {
      ...from('EVENTSTORE_URL'),
      ...from('MONGODB_URL'),
      EVENTSTORE_STREAM_PREFIX: scope,
      MONGODB_DATABASE: scope,
      ...env,
    };
  }
  if (store === 'postgres') return { ...from('DATABASE_URL'), ...from('CRM_POSTGRES_URL'), CRM_POSTGRES_SCHEMA: scope, ...env };
  return env;
}
