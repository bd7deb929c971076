import { ConfigError } from '@crm/platform';
import { loadServerConfig } from './server-config';

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadServerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadServerConfig: the installation’s settings and its contexts’, every problem at once', () => {
  it('lists a bad SLA policy and a bad tier table beside the installation’s own bad values (one ConfigError: exit 78)', () => {
    // Before: the SLA policy and the tier table each stopped the start on its own, later, with exit 1.
    const problems = problemsOf({
      CRM_EVENT_STORE: 'oracle',
      CRM_SLA_POLICY: '{"critical":{"acknowledgeWithinMinutes":0}}',
      CRM_TIER_RULES: '[{"tier":"vip","segments":["loyal"],"discountPercent":150,"creditLevel":"high"}]',
    });
    expect(problems).toEqual([
      expect.stringContaining('CRM_EVENT_STORE="oracle"'),
      expect.stringContaining('CRM_SLA_POLICY'),
      'CRM_TIER_RULES is invalid: [0].discountPercent must be a number from 0 to 100',
    ]);
  });

  it('lists the contexts’ problems alone when the installation’s settings are good', () => {
    expect(problemsOf({ CRM_DATA_DIR: '/tmp/crm-server-config-spec', CRM_SLA_CHECK_INTERVAL_MS: 'soon' })).toEqual([
      expect.stringContaining('CRM_SLA_CHECK_INTERVAL_MS'),
    ]);
  });

  it('takes good settings as loadConfig does', () => {
    expect(loadServerConfig({ CRM_DATA_DIR: '/tmp/crm-server-config-spec' })).toMatchObject({ eventStore: 'sqlite' });
  });
});
