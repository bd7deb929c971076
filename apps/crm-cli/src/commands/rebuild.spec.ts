import { describeResult } from './rebuild';

describe('crm-cli rebuild: what a rebuild ended with', () => {
  const result = { projection: 'marketing-campaigns', collection: 'marketing_campaigns_v2_3', checkpoint: '65441' };

  it('names the build it replaced, or says there was none', () => {
    expect(describeResult({ ...result, previousCollection: 'marketing_campaigns_v2_2' })).toBe(
      'marketing-campaigns: serving marketing_campaigns_v2_3 at 65441 (replaced marketing_campaigns_v2_2)\n',
    );
    expect(describeResult({ ...result, previousCollection: undefined })).toBe(
      'marketing-campaigns: serving marketing_campaigns_v2_3 at 65441 (the first build: nothing served before)\n',
    );
  });

  it('does not say it replaced the build it serves, when another process switched to it first', () => {
    // An outside probe of two `rebuild all` beside live projectors read "(replaced marketing_campaigns_v2_3)" here.
    expect(describeResult({ ...result, previousCollection: 'marketing_campaigns_v2_3' })).toBe(
      'marketing-campaigns: serving marketing_campaigns_v2_3 at 65441 (already serving it: another process switched to this build first)\n',
    );
  });
});
