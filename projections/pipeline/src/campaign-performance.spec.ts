import type { InMemoryReadStore } from '@crm/shared/read-model';
import { campaignRoi, loadCampaignPerformance, MARKETING_FIELDS, UNPLANNED_CAMPAIGN_NOTE } from './campaign-performance';
import { MARKETING_PROJECTIONS } from '@crm/projections/marketing';
import { PIPELINE_PROJECTIONS } from './index';
import {
  accountOpened,
  campaignPlanned,
  consent,
  contactCreated,
  costRecorded,
  listCreated,
  membersAdded,
  membersRemoved,
  responseRecorded,
  targetListsAdded,
  funnelHistory,
  irr,
  leadCaptured,
  recorded,
  storeWith,
} from '@crm/projections/testing';

const collections = {
  leads: 'pipeline_leads',
  opportunities: 'pipeline_opportunities',
  campaigns: 'marketing_campaigns',
  lists: 'marketing_lists',
  members: 'marketing_list_members',
  audience: 'marketing_audience',
};

/**
 * Campaign c1 (SMS) targets static contact lists s1 (p1, p2; p3 removed) and
 * s2 (p1 again), dynamic account list d1 (steel accounts: a1, a2) and dynamic
 * lead list d2 (leads of c1: l4, l5 from funnelHistory). Only p1 consents to SMS.
 * Its sales side: 2 leads, o4 open, o7 won for 700 000. c2 is planned with no
 * lists; c5 is named only by lead l9.
 */
const history = [
  ...funnelHistory,
  leadCaptured('l9', 'campaign', { campaignId: 'c5' }),
  contactCreated('p1'),
  contactCreated('p2'),
  contactCreated('p3'),
  consent('p1', 'sms'),
  consent('p2', 'email'),
  consent('p3', 'sms'),
  accountOpened('a1', { industry: 'steel' }),
  accountOpened('a2', { industry: 'steel' }),
  accountOpened('a3', { industry: 'auto' }),
  listCreated('s1', 'contact'),
  membersAdded('s1', 'contact', 'p1', 'p2', 'p3'),
  membersRemoved('s1', 'contact', 'p3'),
  listCreated('s2', 'contact'),
  membersAdded('s2', 'contact', 'p1'),
  listCreated('d1', 'account', { match: 'all', conditions: [{ field: 'industry', operator: 'eq', value: 'steel' }] }),
  listCreated('d2', 'lead', { match: 'any', conditions: [{ field: 'campaignId', operator: 'in', value: ['c1'] }] }),
  campaignPlanned('c1'),
  targetListsAdded('c1', 's1', 's2', 'd1', 'd2', 'gone'),
  costRecorded('c1', 'k1', 1_200_000),
  costRecorded('c1', 'k2', 300_000),
  responseRecorded('c1', 'r1', { type: 'contact', id: 'p1' }),
  responseRecorded('c1', 'r2', { type: 'contact', id: 'p1' }, 'purchased'),
  responseRecorded('c1', 'r3', { type: 'lead', id: 'l4' }, 'more_information'),
  campaignPlanned('c2', { name: 'وبینار', channel: 'web', budget: irr(0) }),
];

const none = { interested: 0, not_interested: 0, more_information: 0, purchased: 0, unsubscribe: 0, other: 0 };

describe('campaign performance', () => {
  let store: InMemoryReadStore;
  const load = (campaignId: string, tenantId = 'default') => loadCampaignPerformance(store, collections, tenantId, campaignId);

  beforeAll(async () => {
    store = await storeWith([...PIPELINE_PROJECTIONS, ...MARKETING_PROJECTIONS], recorded(history));
  });

  it('joins the plan, its audience, responses and costs with what sales attributes to the campaign', async () => {
    expect(await load('c1')).toEqual({
      campaignId: 'c1',
      campaign: {
        name: 'جشنواره نوروز',
        goal: 'lead_generation',
        channel: 'sms',
        status: 'planned',
        startDate: '2026-01-05',
        endDate: '2026-02-05',
        ownerId: null,
      },
      // p1 and p2 (p1 is in both contact lists), a1 and a2, l4 and l5.
      targets: 6,
      targetsByType: { lead: 2, contact: 2, account: 2 },
      reachable: { consentChannel: 'sms', contacts: 1 },
      targetLists: [
        { listId: 's1', name: 'فهرست s1', kind: 'static', memberType: 'contact', members: 2 },
        { listId: 's2', name: 'فهرست s2', kind: 'static', memberType: 'contact', members: 1 },
        { listId: 'd1', name: 'فهرست d1', kind: 'dynamic', memberType: 'account', members: 2 },
        { listId: 'd2', name: 'فهرست d2', kind: 'dynamic', memberType: 'lead', members: 2 },
        { listId: 'gone', name: null, kind: null, memberType: null, members: 0 },
      ],
      responses: 3,
      responders: 2,
      untargetedResponders: 0,
      responsesByType: { ...none, interested: 1, purchased: 1, more_information: 1 },
      responseRate: 0.3333,
      leads: 2,
      qualified: 1,
      disqualified: 0,
      // o4 from its lead, o7 opened directly for the campaign.
      opportunities: 2,
      open: 1,
      won: 1,
      lost: 0,
      wonRevenue: [irr(700_000)],
      weightedPipeline: [irr(300_000)],
      conversion: { leadToQualified: 0.5, winRate: 1 },
      budget: irr(5_000_000),
      cost: irr(1_500_000),
      budgetUsed: 0.3,
      costPerLead: irr(750_000),
      roi: -0.5333,
      missing: null,
    });
  });

  it('answers for a planned campaign nothing has come of yet, with unknown rates rather than zeros', async () => {
    expect(await load('c2')).toMatchObject({
      campaign: { name: 'وبینار', channel: 'web' },
      targets: 0,
      reachable: { consentChannel: null, contacts: 0 },
      responses: 0,
      responseRate: null,
      leads: 0,
      conversion: { leadToQualified: null, winRate: null },
      cost: irr(0),
      budgetUsed: null,
      costPerLead: null,
      roi: null,
      missing: null,
    });
  });

  it('says which fields are unknown for a campaign only sales events name', async () => {
    expect(await load('c5')).toMatchObject({
      campaignId: 'c5',
      campaign: null,
      targets: null,
      responses: null,
      cost: null,
      roi: null,
      leads: 1,
      missing: { fields: MARKETING_FIELDS, note: UNPLANNED_CAMPAIGN_NOTE },
    });
  });

  it('knows no campaign that was never planned and that no lead or deal names', async () => {
    expect(await load('c3')).toBeUndefined();
    expect(await load('c1', 'acme')).toBeUndefined();
  });

  it('computes ROI only from a known, non-zero cost in the revenue’s currency', () => {
    expect(campaignRoi([irr(250)], null)).toBeNull();
    expect(campaignRoi([irr(250)], irr(0))).toBeNull();
    expect(campaignRoi([irr(250)], irr(100))).toBe(1.5);
    expect(campaignRoi([], irr(100))).toBe(-1);
    expect(campaignRoi([{ amount: 5, currency: 'USD' }], irr(100))).toBeNull();
  });
});
