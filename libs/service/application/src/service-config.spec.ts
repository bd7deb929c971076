import { DEFAULT_SLA_POLICY } from '@crm/service/domain';
import { DEFAULT_SLA_CHECK_INTERVAL_MS, loadServiceConfig, ServiceConfigError } from './service-config';

const problemsOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ServiceConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ServiceConfigError');
};

describe('service configuration', () => {
  it('defaults to the domain policy and a 30-second check', () => {
    expect(loadServiceConfig({})).toEqual({ slaPolicy: DEFAULT_SLA_POLICY, slaCheckIntervalMs: DEFAULT_SLA_CHECK_INTERVAL_MS });
  });

  it('merges a partial CRM_SLA_POLICY onto the defaults', () => {
    const config = loadServiceConfig({
      CRM_SLA_POLICY: '{"critical":{"acknowledgeWithinMinutes":15},"low":{"resolveWithinMinutes":43200}}',
      CRM_SLA_CHECK_INTERVAL_MS: '5000',
    });
    expect(config.slaPolicy).toEqual({
      ...DEFAULT_SLA_POLICY,
      critical: { acknowledgeWithinMinutes: 15, resolveWithinMinutes: DEFAULT_SLA_POLICY.critical.resolveWithinMinutes },
      low: { acknowledgeWithinMinutes: DEFAULT_SLA_POLICY.low.acknowledgeWithinMinutes, resolveWithinMinutes: 43200 },
    });
    expect(config.slaCheckIntervalMs).toBe(5000);
  });

  it('lets module options win over the environment', () => {
    const config = loadServiceConfig(
      { CRM_SLA_POLICY: 'not json', CRM_SLA_CHECK_INTERVAL_MS: 'soon' },
      { slaPolicy: { high: { acknowledgeWithinMinutes: 60 } }, slaCheckIntervalMs: 0 },
    );
    expect(config.slaPolicy.high.acknowledgeWithinMinutes).toBe(60);
    expect(config.slaCheckIntervalMs).toBe(0);
  });

  it('refuses a policy that is not JSON', () => {
    expect(problemsOf(() => loadServiceConfig({ CRM_SLA_POLICY: '{critical: 15}' }))).toEqual([
      expect.stringContaining('CRM_SLA_POLICY is not valid JSON'),
    ]);
  });

  it('lists every problem of a bad policy and interval at once', () => {
    const problems = problemsOf(() =>
      loadServiceConfig({
        CRM_SLA_POLICY: JSON.stringify({
          urgent: {},
          high: { acknowledgeWithinMinutes: 0, resolveWithinMinutes: 90.5, respondWithinMinutes: 10 },
          medium: { acknowledgeWithinMinutes: 600, resolveWithinMinutes: 60 },
          low: 'soon',
        }),
        CRM_SLA_CHECK_INTERVAL_MS: '-1',
      }),
    );
    expect(problems).toEqual([
      expect.stringContaining('CRM_SLA_POLICY.urgent is not a severity'),
      expect.stringContaining('CRM_SLA_POLICY.low must be an object'),
      expect.stringContaining('CRM_SLA_POLICY.high.respondWithinMinutes is not one of'),
      expect.stringContaining('CRM_SLA_POLICY.medium.resolveWithinMinutes must be a whole number'),
      expect.stringContaining('CRM_SLA_POLICY.high.acknowledgeWithinMinutes must be a whole number'),
      expect.stringContaining('CRM_SLA_POLICY.high.resolveWithinMinutes must be a whole number'),
      expect.stringContaining('CRM_SLA_CHECK_INTERVAL_MS="-1" must be an integer'),
    ]);
  });

  it('refuses minutes beyond five years: 10^11 gave a deadline no instant holds, 10^300 failed every complaint', () => {
    const problems = problemsOf(() =>
      loadServiceConfig({
        CRM_SLA_POLICY: JSON.stringify({
          medium: { acknowledgeWithinMinutes: 60, resolveWithinMinutes: 100_000_000_000 },
          low: { acknowledgeWithinMinutes: 1e300, resolveWithinMinutes: 1e300 },
        }),
      }),
    );
    expect(problems).toEqual([
      expect.stringContaining('CRM_SLA_POLICY.low.acknowledgeWithinMinutes must be a whole number of minutes from 1 to 2635200'),
      expect.stringContaining('CRM_SLA_POLICY.low.resolveWithinMinutes'),
      expect.stringContaining('CRM_SLA_POLICY.medium.resolveWithinMinutes'),
    ]);
    expect(
      loadServiceConfig({ CRM_SLA_POLICY: JSON.stringify({ low: { acknowledgeWithinMinutes: 60, resolveWithinMinutes: 2_635_200 } }) }),
    ).toBeDefined();
  });

  it('refuses a policy that is not keyed by severity', () => {
    expect(problemsOf(() => loadServiceConfig({ CRM_SLA_POLICY: '[60, 1440]' }))).toEqual([
      expect.stringContaining('CRM_SLA_POLICY must be an object keyed by severity'),
    ]);
  });
});
