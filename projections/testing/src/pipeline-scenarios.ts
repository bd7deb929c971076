import type { Event } from '@crm/shared/event-sourcing';
import {
  at,
  irr,
  leadCaptured,
  leadDisqualified,
  leadQualified,
  opportunityLost,
  opportunityOpened,
  opportunityWon,
  stageMoved,
} from './sales-history';

/**
 * Six deals for the pipeline specs, all opened on 3 January 08:00 UTC:
 * o1 qualification 1 000 000 IRR (u1) · o2 proposal 2 000 000 IRR (u2, due 15 Feb)
 * · o5 negotiation 10 000 USD · o3 won 13 Jan 20:00 for 900 000 (u1, 10.5 days)
 * · o4 lost 9 Jan at 1 500 000 (u1) · o6 won 20 Feb for 2 100 000 (48 days)
 * · o9 qualified but not opened yet.
 */
export const pipelineHistory: Event[] = [
  opportunityOpened('o1', { ownerId: 'u1' }),
  opportunityOpened('o2', { ownerId: 'u2', amount: irr(2_000_000), expectedCloseDate: '2026-02-15' }),
  stageMoved('o2', 'qualification', 'proposal', 50),
  opportunityOpened('o5', { amount: { amount: 10_000, currency: 'USD' }, expectedCloseDate: '2026-04-10' }),
  stageMoved('o5', 'qualification', 'negotiation', 80),
  opportunityOpened('o3', { ownerId: 'u1', amount: irr(1_000_000) }),
  stageMoved('o3', 'qualification', 'negotiation', 80),
  opportunityWon('o3', irr(900_000), 'negotiation', at(13, 20)),
  opportunityOpened('o4', { ownerId: 'u1', amount: irr(1_500_000) }),
  opportunityLost('o4', 'qualification', at(9)),
  opportunityOpened('o6', { amount: irr(2_000_000) }),
  opportunityWon('o6', irr(2_100_000), 'qualification', new Date(Date.UTC(2026, 1, 20, 8)).toISOString()),
  leadQualified('l9', 'o9'),
];

/**
 * Six leads for the funnel specs: web l1 (won, 900 000) · web l2 (lost) · web
 * l3 (disqualified) · phone l4 of campaign c1 (open deal) · phone l5 of c1
 * captured 5 Feb · referral l6 (qualified, deal not opened yet); and o7, a deal
 * opened directly for c1 and won for 700 000.
 */
export const funnelHistory: Event[] = [
  leadCaptured('l1', 'web'),
  leadQualified('l1', 'o1'),
  opportunityOpened('o1', { originLeadId: 'l1' }),
  opportunityWon('o1', irr(900_000), 'qualification', at(10)),
  leadCaptured('l2', 'web'),
  leadQualified('l2', 'o2'),
  opportunityOpened('o2', { originLeadId: 'l2' }),
  opportunityLost('o2', 'qualification', at(11)),
  leadCaptured('l3', 'web'),
  leadDisqualified('l3'),
  leadCaptured('l4', 'phone', { campaignId: 'c1' }),
  leadQualified('l4', 'o4', { source: 'phone', campaignId: 'c1' }),
  opportunityOpened('o4', { originLeadId: 'l4', campaignId: 'c1', amount: irr(3_000_000) }),
  leadCaptured('l5', 'phone', { campaignId: 'c1', capturedAt: new Date(Date.UTC(2026, 1, 5, 8)).toISOString() }),
  leadCaptured('l6', 'referral'),
  leadQualified('l6', 'o6', { source: 'referral' }),
  opportunityOpened('o7', { campaignId: 'c1' }),
  opportunityWon('o7', irr(700_000), 'qualification', at(12)),
];
