import { loadServiceConfig, ServiceConfigError } from '@crm/service/application';
import { parseTierRules, TierRulesError } from '@crm/projections/loyalty-churn';
import { type AppConfig, ConfigError, loadConfig } from '@crm/platform';

/**
 * The settings of the contexts the API runs, checked where the installation's are (`loadConfig`), so that a start
 * lists every bad value at once and exits 78: CRM_SLA_POLICY and CRM_SLA_CHECK_INTERVAL_MS (the complaint service),
 * CRM_TIER_RULES (the loyalty views). Before, each stopped the start on its own, later, with exit 1 (an outside
 * newcomer probe). Here, not in `@crm/platform`: the CLI and the projector, which read none of them, do not load the
 * service application layer for it.
 */
export function contextSettingProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  try {
    loadServiceConfig(env);
  } catch (error) {
    if (!(error instanceof ServiceConfigError)) throw error;
    problems.push(...error.problems);
  }
  const tiers = env['CRM_TIER_RULES'];
  if (tiers !== undefined && tiers.trim() !== '') {
    try {
      parseTierRules(tiers);
    } catch (error) {
      if (!(error instanceof TierRulesError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}

/** `loadConfig` for the API: the installation's settings and its contexts', every problem at once. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems = contextSettingProblems(env);
  let config: AppConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError([...error.problems, ...problems]);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
