import {
  at,
  estimateRevised,
  irr,
  leadCaptured,
  leadQualified,
  opportunityLost,
  opportunityOpened,
  opportunityReopened,
  opportunityWon,
  stageMoved,
} from '@crm/projections/testing';
import { projectionSpec } from '@crm/shared/testing';
import { pipelineOpportunities, type OpenedOpportunity } from './pipeline-opportunities.projection';

const spec = projectionSpec(pipelineOpportunities);

const openDeal: OpenedOpportunity = {
  tenantId: 'default',
  opportunityId: 'o1',
  status: 'open',
  name: 'ورق فولادی',
  accountId: 'account-1',
  stage: 'qualification',
  probability: 10,
  amount: irr(1_000_000),
  weightedAmount: 100_000,
  expectedCloseDate: '2026-03-01',
  closingDate: '2026-03-01',
  openedAt: at(3),
};

describe('pipeline-opportunities projection', () => {
  it('keeps one document per opportunity, keyed by tenant, weighted by its probability', () => {
    spec.given([opportunityOpened('o1')]).thenDocuments({ 'default:o1': openDeal });
  });

  it('waits for the opened deal after a qualification and then carries the lead’s source and campaign', () => {
    spec.given([leadQualified('l1', 'o1', { source: 'phone', campaignId: 'c1', ownerId: 'u1' })]).thenDocument('default:o1', {
      tenantId: 'default',
      opportunityId: 'o1',
      status: 'pending',
      ownerId: 'u1',
      originLeadId: 'l1',
      source: 'phone',
      campaignId: 'c1',
    });
    spec
      .given([
        leadQualified('l1', 'o1', { source: 'phone', campaignId: 'c1', ownerId: 'u1' }),
        opportunityOpened('o1', { originLeadId: 'l1', campaignId: 'c1', ownerId: 'u1', contactId: 'p1' }),
      ])
      .thenDocuments({
        'default:o1': { ...openDeal, contactId: 'p1', ownerId: 'u1', originLeadId: 'l1', source: 'phone', campaignId: 'c1' },
      });
  });

  it('keeps each captured lead’s capture instant and hands it to the deal its qualification opens', () => {
    const capturedAt = '2025-12-20T09:00:00.000Z';
    spec
      .given([
        leadCaptured('l1', 'phone', { capturedAt }),
        leadCaptured('l2', 'web'),
        leadQualified('l1', 'o1', { source: 'phone' }),
        opportunityOpened('o1', { originLeadId: 'l1' }),
        opportunityWon('o1', irr(900_000), 'qualification', at(13, 20), 'q1'),
      ])
      .thenDocuments({
        'default:~lead:l1': { leadCapturedAt: capturedAt },
        'default:~lead:l2': { leadCapturedAt: at(1) },
        'default:o1': {
          ...openDeal,
          status: 'won',
          amount: irr(900_000),
          probability: 100,
          weightedAmount: 900_000,
          closingDate: '2026-01-13',
          wonAt: at(13, 20),
          quoteId: 'q1',
          cycleMs: 10 * 86_400_000 + 12 * 3_600_000,
          originLeadId: 'l1',
          source: 'phone',
          leadCapturedAt: capturedAt,
        } as OpenedOpportunity,
      });
  });

  it('follows stage moves and revisions, an overridden probability included', () => {
    spec
      .given([
        opportunityOpened('o1'),
        stageMoved('o1', 'qualification', 'proposal', 50),
        estimateRevised('o1', { amount: irr(3_000_001), probability: 45, expectedCloseDate: '2026-02-10T10:00:00+03:30' }),
      ])
      .thenDocument('default:o1', {
        ...openDeal,
        stage: 'proposal',
        probability: 45,
        amount: irr(3_000_001),
        weightedAmount: 1_350_000,
        expectedCloseDate: '2026-02-10T10:00:00+03:30',
        closingDate: '2026-02-10',
      });
  });

  it('counts a won deal at its full won amount, on the day it was won, with its cycle', () => {
    spec
      .given([
        opportunityOpened('o1'),
        stageMoved('o1', 'qualification', 'negotiation', 80),
        opportunityWon('o1', irr(900_000), 'negotiation', at(13, 20), 'q1'),
      ])
      .thenDocument('default:o1', {
        ...openDeal,
        status: 'won',
        stage: 'negotiation',
        probability: 100,
        amount: irr(900_000),
        weightedAmount: 900_000,
        closingDate: '2026-01-13',
        wonAt: at(13, 20),
        quoteId: 'q1',
        cycleMs: 10 * 86_400_000 + 12 * 3_600_000,
      });
  });

  it('weighs a lost deal 0 and restores stage and probability when it is reopened', () => {
    const lost = [opportunityOpened('o1'), stageMoved('o1', 'qualification', 'proposal', 50), opportunityLost('o1', 'proposal', at(9))];
    spec.given(lost).thenDocument('default:o1', {
      ...openDeal,
      status: 'lost',
      stage: 'proposal',
      probability: 0,
      weightedAmount: 0,
      closingDate: '2026-01-09',
      lostAt: at(9),
      lostReason: 'قیمت بالا',
    });
    spec.given([...lost, opportunityReopened('o1', 'proposal', 50)]).thenDocument('default:o1', {
      ...openDeal,
      stage: 'proposal',
      probability: 50,
      weightedAmount: 500_000,
      reopenedAt: at(20),
    });
  });

  it('keeps tenants apart and makes nothing of events for a deal it never saw opened', () => {
    spec
      .given([{ ...opportunityOpened('o1'), metadata: { tenantId: 'acme' } }, stageMoved('o2', 'qualification', 'proposal', 50)])
      .thenDocuments({ 'acme:o1': { ...openDeal, tenantId: 'acme' } });
  });
});
