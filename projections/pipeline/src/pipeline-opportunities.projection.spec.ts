import {
  at,
  estimateRevised,
  irr,
  leadCaptured,
  leadDisqualified,
  leadQualified,
  opportunityLost,
  opportunityOpened,
  opportunityReopened,
  opportunityWon,
  stageMoved,
} from '@crm/projections/testing';
import { persianSortKey } from '@crm/shared/kernel';
import { projectionSpec } from '@crm/shared/testing';
import { pipelineOpportunities, type OpenedOpportunity } from './pipeline-opportunities.projection';

const spec = projectionSpec(pipelineOpportunities);

/** The business day (Asia/Tehran) of the spec's events' recording time: the day each change counts from in the as-of ledger. */
const ledgerDay = '2026-01-01';

const openDeal: OpenedOpportunity = {
  ledgerDay,
  tenantId: 'default',
  opportunityId: 'o1',
  status: 'open',
  name: 'ورق فولادی',
  nameKey: persianSortKey('ورق فولادی'),
  accountId: 'account-1',
  stage: 'qualification',
  stageKey: '00:o1',
  probability: 10,
  amount: irr(1_000_000),
  weightedAmount: 100_000,
  weightedRest: 0,
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
      ledgerDay,
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

  it('keeps each captured lead’s capture instant, group and status, and hands the instant to the deal its qualification opens', () => {
    const capturedAt = '2025-12-20T09:00:00.000Z';
    spec
      .given([
        leadCaptured('l1', 'phone', { capturedAt }),
        leadCaptured('l2', 'web'),
        leadCaptured('l3', 'web', { campaignId: 'c1' }),
        leadDisqualified('l3'),
        leadQualified('l1', 'o1', { source: 'phone' }),
        opportunityOpened('o1', { originLeadId: 'l1' }),
        opportunityWon('o1', irr(900_000), 'qualification', at(13, 20), 'q1'),
      ])
      .thenDocuments({
        'default:~lead:l1': { ledgerDay, leadTenantId: 'default', leadCapturedAt: capturedAt, source: 'phone', leadStatus: 'qualified' },
        'default:~lead:l2': { ledgerDay, leadTenantId: 'default', leadCapturedAt: at(1), source: 'web', leadStatus: 'captured' },
        'default:~lead:l3': {
          ledgerDay,
          leadTenantId: 'default',
          leadCapturedAt: at(1),
          source: 'web',
          campaignId: 'c1',
          leadStatus: 'disqualified',
        },
        'default:o1': {
          ...openDeal,
          status: 'won',
          stageKey: '04:o1',
          amount: irr(900_000),
          probability: 100,
          weightedAmount: 900_000,
          weightedRest: 0,
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
        stageKey: '02:o1',
        probability: 45,
        amount: irr(3_000_001),
        // 3 000 001 × 45 % = 1 350 000.45: reported 1 350 000, the 45 hundredths kept for the totals.
        weightedAmount: 1_350_000,
        weightedRest: 45,
        // Given as an instant: kept as its business day.
        expectedCloseDate: '2026-02-10',
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
        // Won comes after every open stage, whichever it was won from.
        stageKey: '04:o1',
        probability: 100,
        amount: irr(900_000),
        weightedAmount: 900_000,
        weightedRest: 0,
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
      stageKey: '05:o1',
      probability: 0,
      weightedAmount: 0,
      weightedRest: 0,
      closingDate: '2026-01-09',
      lostAt: at(9),
      lostReason: 'قیمت بالا',
    });
    spec.given([...lost, opportunityReopened('o1', 'proposal', 50)]).thenDocument('default:o1', {
      ...openDeal,
      stage: 'proposal',
      stageKey: '02:o1',
      probability: 50,
      weightedAmount: 500_000,
      weightedRest: 0,
      reopenedAt: at(20),
    });
  });

  it('closes a won or lost deal on the business day (Asia/Tehran) it closed, the expected close date as written', () => {
    const wonLate = [opportunityOpened('o1'), opportunityWon('o1', irr(900_000), 'qualification', '2025-03-31T20:45:00.000Z')];
    // 00:15 on 1 April in Tehran (+03:30), though still 31 March in UTC.
    spec.given(wonLate).thenDocument('default:o1', {
      ...openDeal,
      status: 'won',
      stageKey: '04:o1',
      probability: 100,
      amount: irr(900_000),
      weightedAmount: 900_000,
      weightedRest: 0,
      closingDate: '2025-04-01',
      wonAt: '2025-03-31T20:45:00.000Z',
      cycleMs: 0,
    });
    // Summer 2021: Tehran kept +04:30, so 19:45 UTC on 1 July was 00:15 on 2 July (+03:30 would still say 1 July).
    const lostInSummer = [
      opportunityOpened('o1', { openedAt: '2021-06-01T08:00:00.000Z' }),
      opportunityLost('o1', 'qualification', '2021-07-01T19:45:00.000Z'),
    ];
    spec.given(lostInSummer).thenDocument('default:o1', {
      ...openDeal,
      status: 'lost',
      stageKey: '05:o1',
      probability: 0,
      weightedAmount: 0,
      weightedRest: 0,
      openedAt: '2021-06-01T08:00:00.000Z',
      closingDate: '2021-07-02',
      lostAt: '2021-07-01T19:45:00.000Z',
      lostReason: 'قیمت بالا',
    });
  });

  it('takes an expected close date given as an instant as its business day, so it filters and buckets as a date', () => {
    // An outside probe: 2025-03-31T22:00Z and 2025-04-01T01:30+03:30 (one instant) fell on 31 March and 1 April.
    for (const expectedCloseDate of ['2025-03-31T22:00:00Z', '2025-04-01T01:30:00+03:30']) {
      spec
        .given([opportunityOpened('o1', { expectedCloseDate })])
        .thenDocument('default:o1', { ...openDeal, expectedCloseDate: '2025-04-01', closingDate: '2025-04-01' });
    }
  });

  it('dates the summary cells by business months: closing, the lead’s capture, and opening', () => {
    const given = spec.given([
      // Captured at 00:30 on 1 March in Tehran: the funnel's March.
      leadCaptured('l1', 'phone', { capturedAt: '2025-02-28T21:00:00.000Z' }),
      leadQualified('l1', 'o1', { source: 'phone' }),
      opportunityOpened('o1', { originLeadId: 'l1', openedAt: '2025-03-01T08:00:00.000Z' }),
      // Won at 00:15 on 1 April in Tehran: the pipeline's April.
      opportunityWon('o1', irr(1_000_000), 'qualification', '2025-03-31T20:45:00.000Z'),
      // Opened without a lead at 00:15 on 1 April in Tehran: April's direct deal.
      opportunityOpened('o2', { openedAt: '2025-03-31T20:45:00.000Z' }),
    ]);
    given.thenSummary('default:~summary:funnelSourceMonths:2025', [
      {
        dims: { kind: 'funnelSource', source: 'phone', status: 'won', currency: 'IRR', year: '2025' },
        values: { '03|count': 1, '03|amount': 1_000_000 },
      },
    ]);
    given.thenSummary('default:~summary:directMonths:2025', [
      { dims: { kind: 'direct', status: 'open', currency: 'IRR', year: '2025' }, values: { '04|count': 1, '04|amount': 1_000_000 } },
    ]);
    given.thenSummary('default:~summary:months:2025', [
      {
        dims: { kind: 'pipeline', status: 'won', stage: 'qualification', currency: 'IRR', year: '2025' },
        values: {
          '04|count': 1,
          '04|amount': 1_000_000,
          '04|weighted': 1_000_000,
          '04|weightedRest': 0,
          '04|cycleMs': 30 * 86_400_000 + 45 * 60_000 + 12 * 3_600_000,
        },
      },
    ]);
  });

  it('keeps tenants apart and makes nothing of events for a deal it never saw opened', () => {
    spec
      .given([{ ...opportunityOpened('o1'), metadata: { tenantId: 'acme' } }, stageMoved('o2', 'qualification', 'proposal', 50)])
      .thenDocuments({ 'acme:o1': { ...openDeal, tenantId: 'acme' } });
  });
});
