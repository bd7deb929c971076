import { foldEvents } from '@crm/shared/event-sourcing';
import { money } from '@crm/shared/kernel';
import type { CampaignEvent } from './campaign.events';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import { campaignDecider } from './campaign.decider';
import {
  at,
  calledOff,
  campaignId,
  cancelled,
  completed,
  costRecorded,
  cost,
  done,
  inPlanning,
  planned,
  responded,
  response,
  running,
  started,
  targeted,
} from './campaign.fixtures';

const spec = deciderSpec(campaignDecider);

describe('campaign decider: costs, responses and replay', () => {
  describe('RecordCampaignCost', () => {
    it('records costs in every status, late invoices included', () => {
      for (const history of [inPlanning, running, done, calledOff]) spec.given(history).when(cost).then([costRecorded]);
    });

    it('refuses a cost that is not positive or not in the budget currency', () => {
      spec
        .given(running)
        .when({ ...cost, data: { ...cost.data, amount: money(0) } })
        .thenThrows('CAMPAIGN.COST_NOT_POSITIVE', { fields: ['amount.amount'] });
      spec
        .given(running)
        .when({ ...cost, data: { ...cost.data, amount: money(-10) } })
        .thenThrows('CAMPAIGN.COST_NOT_POSITIVE');
      spec
        .given(running)
        .when({ ...cost, data: { ...cost.data, amount: money(1_000, 'EUR') } })
        .thenThrows('CAMPAIGN.CURRENCY_MISMATCH', { budgetCurrency: 'IRR', currency: 'EUR' });
      spec.given([]).when(cost).thenThrows('CAMPAIGN.NOT_FOUND');
    });

    it("takes a cost without a currency in the budget's currency, not the API-wide default", () => {
      const yen = { ...planned, data: { ...planned.data, budget: money(900_000, 'JPY') } };
      const bare = { ...cost, data: { ...cost.data, amount: { amount: 5 } } };
      spec
        .given([yen])
        .when(bare)
        .then([{ ...costRecorded, data: { ...costRecorded.data, amount: { amount: 5, currency: 'JPY' } } } as CampaignEvent]);
      spec
        .given(running)
        .when(bare)
        .then([{ ...costRecorded, data: { ...costRecorded.data, amount: money(5) } } as CampaignEvent]);
    });

    it('refuses a cost incurred later than it is recorded, beyond a 5-minute clock skew', () => {
      const incurred = (incurredAt: string) => ({ ...cost, data: { ...cost.data, incurredAt, recordedAt: '2026-03-10T06:30:00Z' } });
      spec
        .given(running)
        .when(incurred('2199-12-31T23:00:00Z'))
        .thenThrows('CAMPAIGN.TIME_IN_FUTURE', { fields: ['incurredAt'] });
      spec
        .given(running)
        .when(incurred('2026-03-10T06:35:01Z'))
        .thenThrows('CAMPAIGN.TIME_IN_FUTURE', { fields: ['incurredAt'] });
      spec
        .given(running)
        .when(incurred('2026-03-10T10:04:59+03:30'))
        .then([{ ...costRecorded, data: { ...costRecorded.data, incurredAt: '2026-03-10T10:04:59+03:30' } } as CampaignEvent]);
    });
  });

  describe('RecordCampaignResponse', () => {
    it('records responses while active and, arriving late, after completion', () => {
      spec.given(running).when(response).then([responded]);
      spec.given(done).when(response).then([responded]);
    });

    it('keeps only what was said: no blank note, no unset channel', () => {
      const { channel: _c, ...bare } = response.data;
      const { channel: _rc, note: _n, recordedAt: _r, ...expected } = response.data;
      spec
        .given(running)
        .when({ type: 'RecordCampaignResponse', data: { ...bare, note: '  ' } })
        .then([{ type: 'CampaignResponseRecorded', data: expected }]);
    });

    it('refuses a campaign not started, cancelled or unknown', () => {
      spec.given(inPlanning).when(response).thenThrows('CAMPAIGN.NOT_STARTED');
      spec
        .given([...running, cancelled])
        .when(response)
        .thenThrows('CAMPAIGN.CANCELLED');
      spec.given([]).when(response).thenThrows('CAMPAIGN.NOT_FOUND');
    });

    it('refuses a response dated later than it is recorded, beyond a 5-minute clock skew', () => {
      const future = { ...response, data: { ...response.data, respondedAt: '2199-01-01T00:00:00Z' } };
      spec
        .given(running)
        .when(future)
        .thenThrows('CAMPAIGN.TIME_IN_FUTURE', { fields: ['respondedAt'] });
      const skewed = { ...response, data: { ...response.data, respondedAt: '2026-03-10T10:04:00+03:30' } };
      spec
        .given(running)
        .when(skewed)
        .then([{ ...responded, data: { ...responded.data, respondedAt: '2026-03-10T10:04:00+03:30' } } as CampaignEvent]);
    });
  });

  describe('evolve', () => {
    const history: CampaignEvent[] = [planned, targeted, started, costRecorded, responded, completed, costRecorded];

    it('folds status, budget, target lists and the sum of costs; responses are left to the read side', () => {
      const facts = { campaignId, channel: 'sms', budget: { amount: 5_000_000_000, currency: 'IRR' }, targetListIds: ['list-1'] } as const;
      spec.given([planned]).thenState({ status: 'planned', ...facts, targetListIds: [] });
      spec.given(history.slice(0, 5)).thenState({ status: 'active', ...facts, spent: 120_000_000, startedAt: at });
      spec
        .given(history)
        .thenState({ status: 'completed', ...facts, spent: 240_000_000, startedAt: at, completedAt: '2026-04-06T09:00:00+03:30' });
      spec
        .given([planned, targeted, cancelled])
        .thenState({ status: 'cancelled', ...facts, reason: 'تعویق به بعد از تعطیلات', cancelledAt: at });
    });

    it('replays deterministically, also from events read back as JSON (as snapshots are)', () => {
      const once = foldEvents(campaignDecider, campaignDecider.initialState(), history);
      const fromJson = JSON.parse(JSON.stringify(history)) as CampaignEvent[];
      expect(foldEvents(campaignDecider, campaignDecider.initialState(), fromJson)).toStrictEqual(once);
      expect(JSON.parse(JSON.stringify(once))).toStrictEqual(once);
    });
  });
});
