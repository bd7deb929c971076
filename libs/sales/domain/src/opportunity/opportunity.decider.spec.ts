import { foldEvents } from '@crm/shared/event-sourcing';
import { money } from '@crm/shared/kernel';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import type { OpenOpportunity, OpportunityCommand, ProposeSolution } from './opportunity.commands';
import { assertNoQuoteStranded, changesCurrency, opportunityDecider } from './opportunity.decider';
import type { OpportunityEvent, OpportunityOpened } from './opportunity.events';

const spec = deciderSpec(opportunityDecider);
const opportunityId = 'opp-1';
const at = '2025-03-04T11:00:00+03:30';
const IRR = (amount: number) => ({ amount, currency: 'IRR' });

const openCommand: OpenOpportunity = {
  type: 'OpenOpportunity',
  data: {
    opportunityId,
    accountId: 'account-1',
    name: 'سامانه انبارداری فولاد مبارکه',
    need: 'ردیابی موجودی ورق فولادی در سه انبار',
    amount: money(1_250_000_000),
    expectedCloseDate: '2025-06-30',
    contactId: 'contact-1',
    ownerId: 'user-7',
    originLeadId: 'lead-1',
    campaignId: 'camp-1',
    openedAt: at,
  },
};

const opened: OpportunityOpened = {
  type: 'OpportunityOpened',
  data: { ...openCommand.data, amount: IRR(1_250_000_000), stage: 'qualification', probability: 10 },
};

const toProposal: OpportunityEvent = {
  type: 'OpportunityStageMoved',
  data: { opportunityId, from: 'qualification', to: 'proposal', probability: 50, movedAt: at },
};
const won: OpportunityEvent = {
  type: 'OpportunityWon',
  data: {
    opportunityId,
    accountId: 'account-1',
    campaignId: 'camp-1',
    amount: IRR(1_180_000_000),
    stage: 'proposal',
    quoteId: 'quote-1',
    wonAt: at,
  },
};
const lost: OpportunityEvent = {
  type: 'OpportunityLost',
  data: { opportunityId, reason: 'قیمت رقیب پایین‌تر بود', stage: 'proposal', lostAt: at },
};

const move = (stage: 'qualification' | 'needs_analysis' | 'proposal' | 'negotiation', probability?: number): OpportunityCommand => ({
  type: 'MoveOpportunityStage',
  data: probability === undefined ? { opportunityId, stage, movedAt: at } : { opportunityId, stage, probability, movedAt: at },
});
const revise = (figures: { amount?: ReturnType<typeof IRR>; probability?: number; expectedCloseDate?: string }): OpportunityCommand => ({
  type: 'ReviseEstimate',
  data: { opportunityId, ...figures, revisedAt: at },
});
const win: OpportunityCommand = {
  type: 'WinOpportunity',
  data: { opportunityId, amount: money(1_180_000_000), wonAt: at, quoteId: 'quote-1' },
};
const lose: OpportunityCommand = { type: 'LoseOpportunity', data: { opportunityId, reason: 'قیمت رقیب پایین‌تر بود', lostAt: at } };
const reopen: OpportunityCommand = { type: 'ReopenOpportunity', data: { opportunityId, reason: 'مشتری دوباره تماس گرفت', reopenedAt: at } };

describe('opportunity decider', () => {
  describe('OpenOpportunity', () => {
    it('opens at the qualification stage with its probability', () => {
      spec.given([]).when(openCommand).then([opened]);
    });

    it('refuses a second opening, a blank name and a negative amount', () => {
      spec.given([opened]).when(openCommand).thenThrows('OPPORTUNITY.ALREADY_EXISTS');
      spec
        .given([])
        .when({ ...openCommand, data: { ...openCommand.data, name: '' } })
        .thenThrows('OPPORTUNITY.NAME_REQUIRED');
      spec
        .given([])
        .when({ ...openCommand, data: { ...openCommand.data, amount: money(-1) } })
        .thenThrows('OPPORTUNITY.INVALID_AMOUNT');
    });

    it('is the creating command', () => {
      expect(opportunityDecider.isNew?.(openCommand)).toBe(true);
      expect(opportunityDecider.isNew?.(win)).toBe(false);
    });
  });

  describe('ProposeSolution', () => {
    const propose: ProposeSolution = {
      type: 'ProposeSolution',
      data: { opportunityId, solution: 'استقرار ماژول انبار با بارکدخوان', proposedAt: at },
    };
    const proposed: OpportunityEvent = { type: 'OpportunitySolutionProposed', data: { ...propose.data } };

    it('records the proposed solution once', () => {
      spec.given([opened]).when(propose).then([proposed]);
      spec.given([opened, proposed]).when(propose).thenNothing();
    });

    it('refuses a blank solution, a closed deal and an unknown one', () => {
      spec
        .given([opened])
        .when({ ...propose, data: { ...propose.data, solution: ' ' } })
        .thenThrows('OPPORTUNITY.SOLUTION_REQUIRED');
      spec.given([opened, toProposal, won]).when(propose).thenThrows('OPPORTUNITY.CLOSED', { status: 'won' });
      spec.given([]).when(propose).thenThrows('OPPORTUNITY.NOT_FOUND');
    });
  });

  describe('MoveOpportunityStage', () => {
    it('moves with the probability of the new stage', () => {
      spec.given([opened]).when(move('proposal')).then([toProposal]);
      spec
        .given([opened, toProposal])
        .when(move('needs_analysis'))
        .then([
          { type: 'OpportunityStageMoved', data: { opportunityId, from: 'proposal', to: 'needs_analysis', probability: 20, movedAt: at } },
        ]);
    });

    it('takes an explicit probability over the stage default', () => {
      spec
        .given([opened])
        .when(move('negotiation', 65))
        .then([
          {
            type: 'OpportunityStageMoved',
            data: { opportunityId, from: 'qualification', to: 'negotiation', probability: 65, movedAt: at },
          },
        ]);
    });

    it('records nothing for the same stage, but honours a new probability there as a revision', () => {
      spec.given([opened, toProposal]).when(move('proposal')).thenNothing();
      spec.given([opened, toProposal]).when(move('proposal', 50)).thenNothing();
      spec
        .given([opened, toProposal])
        .when(move('proposal', 60))
        .then([{ type: 'OpportunityEstimateRevised', data: { opportunityId, probability: 60, revisedAt: at } }]);
    });

    it('refuses a probability outside 0–100 or fractional', () => {
      spec.given([opened]).when(move('proposal', 101)).thenThrows('OPPORTUNITY.INVALID_PROBABILITY');
      spec.given([opened]).when(move('proposal', 12.5)).thenThrows('OPPORTUNITY.INVALID_PROBABILITY');
    });

    it('refuses a won or lost deal, and an unknown one', () => {
      spec.given([opened, toProposal, won]).when(move('negotiation')).thenThrows('OPPORTUNITY.CLOSED', { status: 'won' });
      spec.given([opened, toProposal, lost]).when(move('negotiation')).thenThrows('OPPORTUNITY.CLOSED', { status: 'lost' });
      spec.given([]).when(move('negotiation')).thenThrows('OPPORTUNITY.NOT_FOUND');
    });
  });

  describe('ReviseEstimate', () => {
    it('records only the figures that changed', () => {
      spec
        .given([opened])
        .when(revise({ amount: IRR(1_400_000_000), probability: 10, expectedCloseDate: '2025-07-15' }))
        .then([
          {
            type: 'OpportunityEstimateRevised',
            data: { opportunityId, amount: IRR(1_400_000_000), expectedCloseDate: '2025-07-15', revisedAt: at },
          },
        ]);
    });

    it('records nothing when every figure is unchanged', () => {
      spec
        .given([opened])
        .when(revise({ amount: IRR(1_250_000_000), probability: 10 }))
        .thenNothing();
    });

    it('refuses an empty revision, bad figures, a closed deal and an unknown one', () => {
      spec.given([opened]).when(revise({})).thenThrows('OPPORTUNITY.NOTHING_TO_REVISE');
      spec
        .given([opened])
        .when(revise({ amount: IRR(-10) }))
        .thenThrows('OPPORTUNITY.INVALID_AMOUNT');
      spec
        .given([opened])
        .when(revise({ probability: -1 }))
        .thenThrows('OPPORTUNITY.INVALID_PROBABILITY');
      spec
        .given([opened, lost])
        .when(revise({ probability: 30 }))
        .thenThrows('OPPORTUNITY.CLOSED');
      spec
        .given([])
        .when(revise({ probability: 30 }))
        .thenThrows('OPPORTUNITY.NOT_FOUND');
    });
  });

  describe('WinOpportunity', () => {
    it('wins with the final amount, the stage it was won from and the quote', () => {
      spec.given([opened, toProposal]).when(win).then([won]);
    });

    it('records nothing when the same quote wins it again (process manager redelivery)', () => {
      spec.given([opened, toProposal, won]).when(win).thenNothing();
    });

    it('refuses a deal already won otherwise, a lost one, a negative amount and an unknown one', () => {
      const direct: OpportunityCommand = { type: 'WinOpportunity', data: { opportunityId, amount: money(1_000_000_000), wonAt: at } };
      spec.given([opened, toProposal, won]).when(direct).thenThrows('OPPORTUNITY.CLOSED', { status: 'won' });
      spec.given([opened, toProposal, lost]).when(win).thenThrows('OPPORTUNITY.CLOSED', { status: 'lost' });
      spec
        .given([opened])
        .when({ ...direct, data: { ...direct.data, amount: money(-1) } })
        .thenThrows('OPPORTUNITY.INVALID_AMOUNT');
      spec.given([]).when(direct).thenThrows('OPPORTUNITY.NOT_FOUND');
    });
  });

  describe('LoseOpportunity', () => {
    it('loses the deal with a reason and the stage it was lost at', () => {
      spec.given([opened, toProposal]).when(lose).then([lost]);
    });

    it('refuses a closed deal and an unknown one', () => {
      spec.given([opened, toProposal, lost]).when(lose).thenThrows('OPPORTUNITY.CLOSED');
      spec.given([opened, toProposal, won]).when(lose).thenThrows('OPPORTUNITY.CLOSED');
      spec.given([]).when(lose).thenThrows('OPPORTUNITY.NOT_FOUND');
    });
  });

  describe('ReopenOpportunity', () => {
    it('resumes a closed deal at the stage and probability it had', () => {
      const reopened: OpportunityEvent = {
        type: 'OpportunityReopened',
        data: { opportunityId, reason: 'مشتری دوباره تماس گرفت', stage: 'proposal', probability: 50, reopenedAt: at },
      };
      spec.given([opened, toProposal, lost]).when(reopen).then([reopened]);
      spec.given([opened, toProposal, won]).when(reopen).then([reopened]);
    });

    it('refuses an open deal and an unknown one', () => {
      spec.given([opened]).when(reopen).thenThrows('OPPORTUNITY.NOT_CLOSED');
      spec.given([]).when(reopen).thenThrows('OPPORTUNITY.NOT_FOUND');
    });
  });

  describe('RecordQuoteIssue', () => {
    const issue: OpportunityCommand = {
      type: 'RecordQuoteIssue',
      data: { opportunityId, quoteId: 'quote-1', revision: 2, currency: 'IRR', issuedAt: at },
    };
    const issued: OpportunityEvent = { type: 'OpportunityQuoteIssued', data: { ...issue.data } };

    it('records a quote issued in the deal currency, and keeps it on the deal once', () => {
      spec.given([opened]).when(issue).then([issued]);
      const state = foldEvents(opportunityDecider, opportunityDecider.initialState(), [opened, issued, issued]);
      expect(state.status === 'open' && state.deal.quotes).toEqual(['quote-1']);
    });

    it('refuses a quote in another currency, on a closed deal and on an unknown one', () => {
      spec
        .given([opened])
        .when({ ...issue, data: { ...issue.data, currency: 'USD' } })
        .thenThrows('OPPORTUNITY.CURRENCY_MISMATCH', { dealCurrency: 'IRR', currency: 'USD' });
      spec.given([opened, toProposal, won]).when(issue).thenThrows('OPPORTUNITY.CLOSED');
      spec.given([]).when(issue).thenThrows('OPPORTUNITY.NOT_FOUND');
    });

    it('refuses a change of currency that would strand a quote still open, and nothing else', () => {
      const state = foldEvents(opportunityDecider, opportunityDecider.initialState(), [opened, issued]);
      const open = { quoteId: 'quote-1', status: 'issued', currency: 'IRR', validUntil: '2025-04-01' };
      const usd = { amount: 100, currency: 'USD' };
      expect(changesCurrency(state, usd)).toBe(true);
      expect(changesCurrency(state, IRR(5))).toBe(false);
      expect(() => assertNoQuoteStranded(state, usd, [open], at)).toThrow(
        expect.objectContaining({ code: 'OPPORTUNITY.QUOTE_OUTSTANDING', details: expect.objectContaining({ quoteIds: ['quote-1'] }) }),
      );
      for (const settled of [{ status: 'rejected' }, { status: 'draft' }, { status: 'accepted' }, { validUntil: '2025-03-03' }]) {
        expect(() => assertNoQuoteStranded(state, usd, [{ ...open, ...settled }], at)).not.toThrow();
      }
      expect(() => assertNoQuoteStranded(state, IRR(5), [open], at)).not.toThrow();
    });
  });

  describe('evolve', () => {
    const history: OpportunityEvent[] = [
      opened,
      { type: 'OpportunitySolutionProposed', data: { opportunityId, solution: 'ماژول انبار', proposedAt: at } },
      { type: 'OpportunityStageMoved', data: { opportunityId, from: 'qualification', to: 'negotiation', probability: 70, movedAt: at } },
      { type: 'OpportunityEstimateRevised', data: { opportunityId, amount: IRR(1_300_000_000), revisedAt: at } },
      lost,
      { type: 'OpportunityReopened', data: { opportunityId, reason: 'بازگشت', stage: 'negotiation', probability: 70, reopenedAt: at } },
      won,
    ];
    const { stage: _stage, openedAt: _at, ...deal } = opened.data;

    it('folds a won deal, remembering the quote and the stage to resume at', () => {
      spec.given(history).thenState({
        status: 'won',
        deal: { ...deal, solution: 'ماژول انبار', probability: 70, amount: IRR(1_180_000_000) },
        stage: 'negotiation',
        quoteId: 'quote-1',
      });
    });

    it('folds a lost deal with its reason', () => {
      spec.given(history.slice(0, 5)).thenState({
        status: 'lost',
        deal: { ...deal, solution: 'ماژول انبار', probability: 70, amount: IRR(1_300_000_000) },
        stage: 'negotiation',
        reason: 'قیمت رقیب پایین‌تر بود',
      });
    });

    it('replays deterministically, also from events read back as JSON', () => {
      const once = foldEvents(opportunityDecider, opportunityDecider.initialState(), history);
      expect(foldEvents(opportunityDecider, opportunityDecider.initialState(), history)).toStrictEqual(once);
      expect(
        foldEvents(opportunityDecider, opportunityDecider.initialState(), JSON.parse(JSON.stringify(history)) as OpportunityEvent[]),
      ).toStrictEqual(once);
    });
  });
});
