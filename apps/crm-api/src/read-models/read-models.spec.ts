import { zonedVersion } from '@crm/shared/kernel';
import { NotCaughtUpError } from '@crm/shared/http';
import { servedBy } from './read-models.service';

describe('what a query reads: a projection that counts business days reads only its own version’s builds', () => {
  it('reads its own version’s build, of any generation', () => {
    expect(servedBy('satisfaction-days', 'satisfaction_days_v4_1')).toBe('satisfaction_days_v4_1');
    expect(servedBy('complaint-kpis', 'complaint_kpis_v8_12')).toBe('complaint_kpis_v8_12');
  });

  it('answers 503 (Retry-After 5) while another version’s build serves: UTC days before this version, or another zone', () => {
    const refusal = (collection: string) => {
      try {
        servedBy('satisfaction-days', collection, '42');
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const older = refusal('satisfaction_days_v2_4');
    expect(older).toBeInstanceOf(NotCaughtUpError);
    expect(older).toMatchObject({ projection: 'satisfaction-days', wanted: '42', retryAfterSeconds: 5 });
    expect((older as Error).message).toContain(
      '(satisfaction_days_v2_4) was made by another version of the code or in another business time zone',
    );
    // Built by a process counting days in UTC (an outside probe saw such a build read with Tehran's bounds answer 500).
    expect(refusal(`satisfaction_days_v${zonedVersion(4, 'UTC')}_1`)).toBeInstanceOf(NotCaughtUpError);
  });

  it('lets any build serve for a projection that keys nothing by day', () => {
    expect(servedBy('marketing-campaigns', 'marketing_campaigns_v1_1')).toBe('marketing_campaigns_v1_1');
    expect(servedBy('complaint-audit', 'complaint_audit_v0_1')).toBe('complaint_audit_v0_1');
  });
});
