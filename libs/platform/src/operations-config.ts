/** Levels pino knows; `silent` turns logging off (the test suite runs with it). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What operators tune: logs, readiness, shutdown, the projector's own port. */
export interface OperationsConfig {
  readonly logLevel: LogLevel;
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  readonly shutdownGraceMs: number;
  /** Readiness fails when a projection run here is further behind than this (the oldest event it has not applied). */
  readonly readyMaxLagSeconds: number;
  /** crm-projector's HTTP port for /metrics and /health (0: any free port). */
  readonly projectorPort: number;
  readonly projectorHost: string;
  /**
   * How long a server (the API, crm-projector) started while its PostgreSQL server does not answer waits for it,
   * trying again with growing pauses, before it gives up and exits 1 (CRM_START_WAIT_S; 0: not at all).
   */
  readonly startWaitMs: number;
}

type Integer = (name: string, fallback: number, min: number, max: number) => number;

/** Part of loadConfig: reads the operations variables, adding any problem to the same list. */
export function loadOperationsConfig(env: NodeJS.ProcessEnv, integer: Integer, problems: string[]): OperationsConfig {
  const level = (env['CRM_LOG'] || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    problems.push(`CRM_LOG=${JSON.stringify(env['CRM_LOG'])} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    logLevel: (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'info',
    shutdownGraceMs: integer('CRM_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    readyMaxLagSeconds: integer('CRM_READY_MAX_LAG_SECONDS', 60, 1, 86_400),
    projectorPort: integer('CRM_PROJECTOR_PORT', 3001, 0, 65535),
    projectorHost: env['CRM_PROJECTOR_HOST'] || env['HOST'] || '0.0.0.0',
    startWaitMs: integer('CRM_START_WAIT_S', 60, 0, 3600) * 1000,
  };
}
