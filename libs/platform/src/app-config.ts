import { resolve } from 'node:path';
import type { AuthSettings } from '@crm/identity/application';
import type { EdgeSettings } from '@crm/shared/http';
import { businessCalendar, configuredTimeZone } from '@crm/shared/kernel';
import { loadSecurityConfig } from './security-config';
import { loadOperationsConfig, type OperationsConfig } from './operations-config';

export type EventStoreKind = 'sqlite' | 'postgres' | 'eventstoredb' | 'memory';
const EVENT_STORES: readonly EventStoreKind[] = ['sqlite', 'postgres', 'eventstoredb', 'memory'];
export type ProjectionsMode = 'run' | 'inline' | 'off';
const PROJECTIONS_MODES: readonly ProjectionsMode[] = ['run', 'inline', 'off'];
export type ReadStoreKind = 'sqlite' | 'postgres' | 'mongodb' | 'memory';
const READ_STORES: readonly ReadStoreKind[] = ['sqlite', 'postgres', 'mongodb', 'memory'];
/** Where read models live unless CRM_READ_STORE says otherwise: beside the events where possible. */
const DEFAULT_READ_STORE: Record<EventStoreKind, ReadStoreKind> = {
  sqlite: 'sqlite',
  postgres: 'postgres',
  memory: 'memory',
  eventstoredb: 'mongodb',
};

/**
 * Bodies are refused (413) above half of KurrentDB's default MaxAppendSize
 * (1 MiB): a command's events carry its body's data plus an envelope, and
 * some commands record more than one event from the same input, so the edge
 * keeps well clear of the append limit on every store (README "Configuration").
 */
const DEFAULT_BODY_LIMIT_BYTES = 512 * 1024;
const MAX_APPEND_BYTES = 1024 * 1024;

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly eventStore: EventStoreKind;
  readonly postgresUrl?: string;
  readonly postgresSchema: string;
  /**
   * Connections each PostgreSQL pool of this process may open (CRM_POSTGRES_POOL_SIZE, default 10): the event store's
   * and the read store's each; the data keys' pool takes at most 4. A `crm-cli rebuild all` thread takes 3 unless set.
   */
  readonly postgresPoolSize: number;
  readonly eventStoreUrl?: string;
  /** Scopes the KurrentDB store inside a shared server (test runs side by side); empty in production. */
  readonly eventStoreStreamPrefix: string;
  /** The server's MaxAppendSize; appends over it are refused (413) before they are sent. */
  readonly eventStoreMaxAppendBytes: number;
  readonly bodyLimitBytes: number;
  readonly readStore: ReadStoreKind;
  readonly mongodbUrl?: string;
  /** The MongoDB database; default: the one the URL names, else `crm`. */
  readonly mongodbDatabase?: string;
  /**
   * Where this process's projections and reactors run: `run` beside the API on a worker thread (the
   * embedded default; commands never wait on the read side), `inline` on the API's own event loop, `off`
   * when crm-projector runs them.
   */
  readonly projections: ProjectionsMode;
  /** True unless `projections` is `off`: this process owns the projections (on a worker thread or inline). */
  readonly runProjections: boolean;
  /**
   * How long a projection's lease lasts unless renewed (CRM_LEASE_TTL_MS): one process runs each
   * projection; a standby takes over at most this long (plus a renewal round) after the owner dies.
   */
  readonly leaseTtlMs: number;
  /** How long a collection a rebuild replaced stays for readers still on it (CRM_REBUILD_GRACE_MS). */
  readonly rebuildGraceMs: number;
  /**
   * How long an erasure's purge list stays openable for projection runners in other processes
   * (crm-projector, another API's worker) to purge what they wrote meanwhile (CRM_ERASURE_PURGE_WINDOW_MS).
   */
  readonly erasurePurgeWindowMs: number;
  /** How long a query with minPosition waits for its read model before answering 503. */
  readonly readWaitMs: number;
  /**
   * How often a subscription polls the log for appends no wake-up told it of (CRM_POLL_INTERVAL_MS): other
   * processes' appends on SQLite, missed notifications on PostgreSQL. Unset: the store's own default
   * (SQLite 200 ms, PostgreSQL 250 ms). Appends of the same process, the read-side worker's included, wake
   * the subscriptions they concern at once whatever this is.
   */
  readonly pollIntervalMs: number | undefined;
  /** API keys, JWT, the bootstrap key (API.md "Authentication, roles and tenants"). */
  readonly auth: AuthSettings;
  /** Timeouts, proxies and rate limits of the HTTP edge. */
  readonly edge: EdgeSettings;
  /** Logs, readiness, shutdown and the projector's port. */
  readonly operations: OperationsConfig;
}

/** Every problem with the environment at once, so one restart fixes them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name}=${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const eventStore = (env['CRM_EVENT_STORE'] || 'sqlite') as EventStoreKind;
  if (!EVENT_STORES.includes(eventStore)) {
    problems.push(`CRM_EVENT_STORE=${JSON.stringify(env['CRM_EVENT_STORE'])} must be one of ${EVENT_STORES.join(', ')}`);
  }
  const postgresUrl = env['CRM_POSTGRES_URL'] || env['DATABASE_URL'] || undefined;
  if (eventStore === 'postgres' && !postgresUrl) {
    problems.push('CRM_EVENT_STORE=postgres needs CRM_POSTGRES_URL (or DATABASE_URL), e.g. postgres://postgres@127.0.0.1:5432/crm');
  }
  if (postgresUrl && !/^postgres(ql)?:\/\//.test(postgresUrl))
    problems.push('CRM_POSTGRES_URL must start with postgres:// or postgresql://');
  const eventStoreUrl = env['EVENTSTORE_URL'] || undefined;
  if (eventStore === 'eventstoredb' && !eventStoreUrl) {
    problems.push('CRM_EVENT_STORE=eventstoredb needs EVENTSTORE_URL, e.g. kurrentdb://localhost:2113?tls=false');
  }
  const readStore = (env['CRM_READ_STORE'] || DEFAULT_READ_STORE[eventStore] || 'memory') as ReadStoreKind;
  if (!READ_STORES.includes(readStore)) {
    problems.push(`CRM_READ_STORE=${JSON.stringify(env['CRM_READ_STORE'])} must be one of ${READ_STORES.join(', ')}`);
  }
  if (readStore === 'sqlite' && EVENT_STORES.includes(eventStore) && eventStore !== 'sqlite')
    problems.push('CRM_READ_STORE=sqlite shares the embedded event store file: use it with CRM_EVENT_STORE=sqlite');
  if (readStore === 'postgres' && !postgresUrl) problems.push('CRM_READ_STORE=postgres needs CRM_POSTGRES_URL (or DATABASE_URL)');
  const mongodbUrl = env['MONGODB_URL'] || undefined;
  if (readStore === 'mongodb' && !mongodbUrl)
    problems.push('CRM_READ_STORE=mongodb needs MONGODB_URL, e.g. mongodb://localhost:27017/crm?replicaSet=rs0');
  const eventStoreStreamPrefix = env['EVENTSTORE_STREAM_PREFIX'] ?? '';
  if (!/^[A-Za-z0-9_.]{0,64}$/.test(eventStoreStreamPrefix)) {
    problems.push('EVENTSTORE_STREAM_PREFIX may hold only letters, digits, "_" and "." (up to 64)');
  }
  const mongodbDatabase = env['MONGODB_DATABASE'] || undefined;
  if (mongodbDatabase !== undefined && !/^[A-Za-z0-9_-]{1,63}$/.test(mongodbDatabase)) {
    problems.push('MONGODB_DATABASE may hold only letters, digits, "_" and "-" (up to 63)');
  }
  const projections = (env['CRM_PROJECTIONS'] || 'run') as ProjectionsMode;
  if (!PROJECTIONS_MODES.includes(projections))
    problems.push(`CRM_PROJECTIONS=${JSON.stringify(env['CRM_PROJECTIONS'])} must be one of ${PROJECTIONS_MODES.join(', ')}`);
  const postgresSchema = env['CRM_POSTGRES_SCHEMA'] || 'crm';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(postgresSchema)) problems.push('CRM_POSTGRES_SCHEMA must be a lower-case SQL identifier');
  const dataDir = resolve(env['CRM_DATA_DIR'] || './data');
  try {
    businessCalendar(configuredTimeZone(env));
  } catch {
    problems.push(
      `CRM_BUSINESS_TIME_ZONE=${JSON.stringify(env['CRM_BUSINESS_TIME_ZONE'])} must be an IANA time zone, e.g. Asia/Tehran (the default) or UTC`,
    );
  }
  const reader = {
    problems,
    integer: (name: string, fallback: number, min: number, max: number) => integer(env, name, fallback, min, max, problems),
  };
  const config: AppConfig = {
    port: integer(env, 'PORT', 3000, 0, 65535, problems),
    host: env['HOST'] || '0.0.0.0',
    dataDir,
    eventStore,
    postgresUrl,
    postgresSchema,
    postgresPoolSize: integer(env, 'CRM_POSTGRES_POOL_SIZE', 10, 1, 500, problems),
    eventStoreUrl,
    eventStoreStreamPrefix,
    eventStoreMaxAppendBytes: integer(env, 'EVENTSTORE_MAX_APPEND_BYTES', MAX_APPEND_BYTES, 64 * 1024, 64 * 1024 * 1024, problems),
    bodyLimitBytes: integer(env, 'CRM_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, 1024, 64 * 1024 * 1024, problems),
    readStore,
    mongodbUrl,
    mongodbDatabase,
    projections,
    runProjections: projections !== 'off',
    readWaitMs: integer(env, 'CRM_READ_WAIT_MS', 5000, 0, 60_000, problems),
    pollIntervalMs: env['CRM_POLL_INTERVAL_MS'] ? integer(env, 'CRM_POLL_INTERVAL_MS', 200, 10, 600_000, problems) : undefined,
    leaseTtlMs: integer(env, 'CRM_LEASE_TTL_MS', 15_000, 300, 600_000, problems),
    rebuildGraceMs: integer(env, 'CRM_REBUILD_GRACE_MS', 30_000, 0, 86_400_000, problems),
    erasurePurgeWindowMs: integer(env, 'CRM_ERASURE_PURGE_WINDOW_MS', 60_000, 0, 3_600_000, problems),
    ...loadSecurityConfig(env, { dataDir, eventStore }, reader),
    operations: loadOperationsConfig(env, (name, fallback, min, max) => integer(env, name, fallback, min, max, problems), problems),
  };
  if (eventStore === 'eventstoredb' && config.bodyLimitBytes >= config.eventStoreMaxAppendBytes) {
    // A body the store could never record in one append would be accepted, then fail: refuse it at the edge (413) instead.
    problems.push(
      `CRM_BODY_LIMIT_BYTES (${config.bodyLimitBytes}) must stay below EVENTSTORE_MAX_APPEND_BYTES (${config.eventStoreMaxAppendBytes}), the largest append KurrentDB takes`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
