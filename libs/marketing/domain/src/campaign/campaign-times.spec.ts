import { refusalOf } from '@crm/shared/testing';
import type { CampaignCommand } from './campaign.commands';
import { campaignDecider } from './campaign.decider';
import type { CampaignEvent } from './campaign.events';
import { cost, plan, response, running } from './campaign.fixtures';

const decide = (command: CampaignCommand, history: CampaignEvent[] = []) =>
  campaignDecider.decide(command, history.reduce(campaignDecider.evolve, campaignDecider.initialState()));

const refused = refusalOf;

describe('campaign dates and times: one spelling, in the years every date is kept in', () => {
  it('keeps a date-time as written, its offset spelled ±hh:mm, as +0330 and +03:30 are the same', () => {
    const [planned] = decide({ ...plan, data: { ...plan.data, startDate: '2026-03-10T10:00:00+0330', endDate: '2026-04-05t10:00:00z' } });
    expect(planned).toMatchObject({ data: { startDate: '2026-03-10T10:00:00+03:30', endDate: '2026-04-05T10:00:00Z' } });
    const [costed] = decide({ ...cost, data: { ...cost.data, incurredAt: '2026-03-10T09:00:00+0330' } }, running);
    expect(costed).toMatchObject({ data: { incurredAt: '2026-03-10T09:00:00+03:30' } });
    const [answered] = decide({ ...response, data: { ...response.data, respondedAt: '2026-03-10T04:00-0130' } }, running);
    expect(answered).toMatchObject({ data: { respondedAt: '2026-03-10T04:00-01:30' } });
  });

  it('refuses a date past 2199 once its offset is applied, naming it', () => {
    expect(
      refused(() => decide({ ...plan, data: { ...plan.data, startDate: '2199-12-31T23:00:00-23:59', endDate: '2199-12-31' } })),
    ).toEqual({
      code: 'CAMPAIGN.DATE_INVALID',
      fields: ['startDate'],
    });
  });
});
