import { InvalidValueError, money } from '@crm/shared/kernel';
import type { PlanCampaign } from './campaign.commands';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import { campaignDecider } from './campaign.decider';
import {
  at,
  calledOff,
  campaignId,
  cancel,
  cancelled,
  complete,
  completed,
  done,
  inPlanning,
  plan,
  planned,
  running,
  start,
  started,
  target,
  targeted,
} from './campaign.fixtures';

const spec = deciderSpec(campaignDecider);

describe('campaign decider: lifecycle', () => {
  describe('PlanCampaign', () => {
    it('plans a campaign with its budget in integer minor units', () => {
      spec.given([]).when(plan).then([planned]);
    });

    it('accepts a zero budget, a one-day campaign, and instants as dates', () => {
      const { description: _d, ownerId: _o, ...bare } = plan.data;
      spec
        .given([])
        .when({ type: 'PlanCampaign', data: { ...bare, budget: money(0), endDate: '2026-03-15T23:00:00+03:30' } })
        .then([
          {
            type: 'CampaignPlanned',
            data: { ...bare, name: 'کمپین نوروز ۱۴۰۵', nameKey: 'کمپیننوروز1405', budget: money(0), endDate: '2026-03-15T23:00:00+03:30' },
          },
        ]);
    });

    it('refuses a blank name, a negative budget, and an end before the start', () => {
      const withData = (data: Partial<PlanCampaign['data']>): PlanCampaign => ({ ...plan, data: { ...plan.data, ...data } });
      spec
        .given([])
        .when(withData({ name: '\u200c ' }))
        .thenThrows('CAMPAIGN.NAME_REQUIRED', { fields: ['name'] });
      spec
        .given([])
        .when(withData({ budget: money(-1) }))
        .thenThrows('CAMPAIGN.BUDGET_NEGATIVE', { fields: ['budget.amount'] });
      spec
        .given([])
        .when(withData({ endDate: '2026-03-14' }))
        .thenThrows('CAMPAIGN.END_BEFORE_START', { fields: ['endDate'] });
      spec
        .given([])
        .when(withData({ startDate: '2026-03-15T12:00:00+03:30', endDate: '2026-03-15T11:59:00+03:30' }))
        .thenThrows('CAMPAIGN.END_BEFORE_START');
      spec
        .given([])
        .when(withData({ startDate: 'نوروز', endDate: 'later' }))
        .thenThrows('CAMPAIGN.DATE_INVALID', { fields: ['startDate', 'endDate'] });
    });

    it('lets the kernel reject a fractional amount or a bad currency as invalid input', () => {
      const bad = { ...plan, data: { ...plan.data, budget: { amount: 1.5, currency: 'IRR' } } };
      expect(() => campaignDecider.decide(bad, campaignDecider.initialState())).toThrow(InvalidValueError);
    });

    it('refuses planning twice; it is the creating command', () => {
      spec.given(inPlanning).when(plan).thenThrows('CAMPAIGN.ALREADY_EXISTS', { campaignId });
      expect(campaignDecider.isNew?.(plan)).toBe(true);
      expect(campaignDecider.isNew?.(start)).toBe(false);
    });
  });

  describe('AddCampaignTargetLists', () => {
    it('targets lists once each while planned or active, dropping those already targeted', () => {
      spec
        .given(inPlanning)
        .when(target('list-1', 'list-2', 'list-1'))
        .then([{ type: 'CampaignTargetListsAdded', data: { campaignId, listIds: ['list-1', 'list-2'], addedAt: at } }]);
      spec
        .given(running)
        .when(target('list-1', 'list-3'))
        .then([{ type: 'CampaignTargetListsAdded', data: { campaignId, listIds: ['list-3'], addedAt: at } }]);
      spec.given(running).when(target('list-1')).thenNothing();
    });

    it('refuses a completed, cancelled or unknown campaign', () => {
      spec.given(done).when(target('list-2')).thenThrows('CAMPAIGN.COMPLETED', { status: 'completed' });
      spec.given(calledOff).when(target('list-2')).thenThrows('CAMPAIGN.CANCELLED');
      spec.given([]).when(target('list-2')).thenThrows('CAMPAIGN.NOT_FOUND');
    });
  });

  describe('StartCampaign', () => {
    it('starts a planned campaign that has a target list', () => {
      spec.given([planned, targeted]).when(start).then([started]);
    });

    it('refuses a campaign without target lists, or not planned', () => {
      spec.given(inPlanning).when(start).thenThrows('CAMPAIGN.NO_TARGET_LISTS');
      spec.given(running).when(start).thenThrows('CAMPAIGN.ALREADY_STARTED');
      spec.given(done).when(start).thenThrows('CAMPAIGN.COMPLETED');
      spec.given([planned, targeted, cancelled]).when(start).thenThrows('CAMPAIGN.CANCELLED');
      spec.given([]).when(start).thenThrows('CAMPAIGN.NOT_FOUND');
    });
  });

  describe('CompleteCampaign', () => {
    it('completes an active campaign', () => {
      spec.given(running).when(complete).then([completed]);
    });

    it('refuses a campaign that is not active', () => {
      spec.given(inPlanning).when(complete).thenThrows('CAMPAIGN.NOT_STARTED');
      spec.given(done).when(complete).thenThrows('CAMPAIGN.COMPLETED');
      spec.given(calledOff).when(complete).thenThrows('CAMPAIGN.CANCELLED');
      spec.given([]).when(complete).thenThrows('CAMPAIGN.NOT_FOUND');
    });
  });

  describe('CancelCampaign', () => {
    it('cancels a planned or active campaign, with its reason', () => {
      spec.given(inPlanning).when(cancel).then([cancelled]);
      spec.given(running).when(cancel).then([cancelled]);
    });

    it('refuses without a reason, and once completed or cancelled', () => {
      spec
        .given(running)
        .when({ ...cancel, data: { ...cancel.data, reason: ' ' } })
        .thenThrows('CAMPAIGN.REASON_REQUIRED', { fields: ['reason'] });
      spec.given(done).when(cancel).thenThrows('CAMPAIGN.COMPLETED');
      spec.given(calledOff).when(cancel).thenThrows('CAMPAIGN.CANCELLED');
      spec.given([]).when(cancel).thenThrows('CAMPAIGN.NOT_FOUND');
    });
  });
});
