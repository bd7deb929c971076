import { DomainError } from '@crm/shared/event-sourcing';
import {
  assertValidPolicy,
  DEFAULT_SLA_POLICY,
  MAX_SLA_MINUTES,
  SEVERITIES,
  type Severity,
  type SlaPolicy,
  type SlaTarget,
} from '@crm/service/domain';
import type { OpenDeadlinesReadModel } from './complaint/sla/open-deadlines.read-model';

/** A policy may name only the severities or targets it changes; the rest keep the defaults. */
export type SlaPolicyOverride = Partial<Record<Severity, Partial<SlaTarget>>>;

export interface ServiceModuleOptions {
  /** Takes precedence over CRM_SLA_POLICY. */
  readonly slaPolicy?: SlaPolicyOverride;
  /** Takes precedence over CRM_SLA_CHECK_INTERVAL_MS; 0 leaves the scheduler off (tests call `tick`). */
  readonly slaCheckIntervalMs?: number;
  /** Where the deadline watcher keeps its view; by default the host's read store (READ_STORE), else in memory (rebuilt on start). */
  readonly openDeadlines?: OpenDeadlinesReadModel;
}

export interface ServiceConfig {
  readonly slaPolicy: SlaPolicy;
  readonly slaCheckIntervalMs: number;
}

export const DEFAULT_SLA_CHECK_INTERVAL_MS = 30_000;
const MAX_INTERVAL_MS = 24 * 60 * 60 * 1000;
const TARGET_KEYS: readonly (keyof SlaTarget)[] = ['acknowledgeWithinMinutes', 'resolveWithinMinutes'];

/** Every problem at once, so one restart fixes them all (the API host's ConfigError does the same). */
export class ServiceConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid service configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ServiceConfigError';
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergedPolicy(override: unknown, source: string, problems: string[]): SlaPolicy {
  if (!isRecord(override)) {
    problems.push(`${source} must be an object keyed by severity (${SEVERITIES.join(', ')})`);
    return DEFAULT_SLA_POLICY;
  }
  for (const key of Object.keys(override)) {
    if (!(SEVERITIES as readonly string[]).includes(key)) problems.push(`${source}.${key} is not a severity (${SEVERITIES.join(', ')})`);
  }
  const target = (severity: Severity): SlaTarget => {
    const given = override[severity];
    if (given === undefined) return DEFAULT_SLA_POLICY[severity];
    if (!isRecord(given)) {
      problems.push(`${source}.${severity} must be an object with ${TARGET_KEYS.join(', ')}`);
      return DEFAULT_SLA_POLICY[severity];
    }
    for (const key of Object.keys(given)) {
      if (!(TARGET_KEYS as readonly string[]).includes(key))
        problems.push(`${source}.${severity}.${key} is not one of ${TARGET_KEYS.join(', ')}`);
    }
    const minutes = (key: keyof SlaTarget): number => {
      const value = given[key];
      return typeof value === 'number' ? value : value === undefined ? DEFAULT_SLA_POLICY[severity][key] : Number.NaN;
    };
    return { acknowledgeWithinMinutes: minutes('acknowledgeWithinMinutes'), resolveWithinMinutes: minutes('resolveWithinMinutes') };
  };
  const policy: SlaPolicy = { low: target('low'), medium: target('medium'), high: target('high'), critical: target('critical') };
  try {
    assertValidPolicy(policy);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const fields = Array.isArray(error.details?.['fields']) ? (error.details['fields'] as unknown[]).map(String) : [];
    for (const field of fields) {
      problems.push(
        `${field.replace(/^slaPolicy/, source)} must be a whole number of minutes from 1 to ${MAX_SLA_MINUTES} (five years; resolve no sooner than acknowledge)`,
      );
    }
  }
  return policy;
}

function parsedJson(raw: string, name: string, problems: string[]): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    problems.push(`${name} is not valid JSON, e.g. {"critical":{"acknowledgeWithinMinutes":30}}`);
    return {};
  }
}

function interval(options: ServiceModuleOptions, env: NodeJS.ProcessEnv, problems: string[]): number {
  const fromEnv = env['CRM_SLA_CHECK_INTERVAL_MS'];
  const [source, raw] =
    options.slaCheckIntervalMs !== undefined
      ? ['slaCheckIntervalMs', options.slaCheckIntervalMs]
      : ['CRM_SLA_CHECK_INTERVAL_MS', fromEnv === undefined || fromEnv.trim() === '' ? undefined : Number(fromEnv)];
  if (raw === undefined) return DEFAULT_SLA_CHECK_INTERVAL_MS;
  if (!Number.isInteger(raw) || raw < 0 || raw > MAX_INTERVAL_MS) {
    const shown = source === 'slaCheckIntervalMs' ? String(raw) : JSON.stringify(fromEnv);
    problems.push(`${source}=${shown} must be an integer from 0 (scheduler off) to ${MAX_INTERVAL_MS}`);
    return DEFAULT_SLA_CHECK_INTERVAL_MS;
  }
  return raw;
}

/**
 * The service context's configuration, checked once at start-up: a bad SLA policy
 * must stop the process, not surface as a 409 on the first complaint.
 */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env, options: ServiceModuleOptions = {}): ServiceConfig {
  const problems: string[] = [];
  const rawPolicy = env['CRM_SLA_POLICY'];
  const slaPolicy =
    options.slaPolicy !== undefined
      ? mergedPolicy(options.slaPolicy, 'slaPolicy', problems)
      : rawPolicy === undefined || rawPolicy.trim() === ''
        ? DEFAULT_SLA_POLICY
        : mergedPolicy(parsedJson(rawPolicy, 'CRM_SLA_POLICY', problems), 'CRM_SLA_POLICY', problems);
  const slaCheckIntervalMs = interval(options, env, problems);
  if (problems.length > 0) throw new ServiceConfigError(problems);
  return { slaPolicy, slaCheckIntervalMs };
}
