import {
  consent,
  contactCreated,
  leadCaptured,
  listCreated,
  membersAdded,
  membersRemoved,
  recorded,
  storeWith,
} from '@crm/projections/testing';
import type { InMemoryReadStore } from '@crm/shared/read-model';
import { loadCampaignAudience } from './campaign-audience';
import { MARKETING_PROJECTIONS } from './index';

const collections = { lists: 'marketing_lists', members: 'marketing_list_members', audience: 'marketing_audience' };

/**
 * A static contact list (p1; p2 taken off it) and a dynamic list of open web leads (l1; l2 came from an event).
 * Only p1 consents to SMS.
 */
const history = [
  contactCreated('p1'),
  contactCreated('p2'),
  contactCreated('p3'),
  consent('p1', 'sms'),
  consent('p3', 'sms'),
  leadCaptured('l1', 'web'),
  leadCaptured('l2', 'event'),
  listCreated('s1', 'contact'),
  membersAdded('s1', 'contact', 'p1', 'p2'),
  membersRemoved('s1', 'contact', 'p2'),
  listCreated('d1', 'lead', { match: 'all', conditions: [{ field: 'source', operator: 'eq', value: 'web' }] }),
  // A company typed on an Arabic keyboard, selected by the Persian spelling (eq) and by a list of them (in).
  leadCaptured('l3', 'web', { company: 'كاشي سازي' }),
  listCreated('d2', 'lead', {
    match: 'all',
    conditions: [
      { field: 'source', operator: 'eq', value: 'web' },
      { field: 'company', operator: 'eq', value: 'کاشی سازی' },
    ],
  }),
  listCreated('d3', 'lead', { match: 'all', conditions: [{ field: 'company', operator: 'in', value: ['فولاد', 'کاشی سازی'] }] }),
];

describe('a campaign audience', () => {
  let store: InMemoryReadStore;

  beforeAll(async () => {
    store = await storeWith(MARKETING_PROJECTIONS, recorded(history));
  });

  it('tells the responders among the targets from those outside them, against the same targets, static and dynamic', async () => {
    // p1, l1 and l3 are targets; p2 was taken off the list, p3 and l2 never were on one, a1 is an account nobody targeted.
    const responders = ['contact:p1', 'contact:p2', 'contact:p3', 'lead:l1', 'lead:l2', 'account:a1'];
    const audience = await loadCampaignAudience(store, collections, 'default', ['s1', 'd1'], 'sms', responders);
    expect(audience).toMatchObject({
      targets: 3,
      targetsByType: { lead: 2, contact: 1, account: 0 },
      reachable: { consentChannel: 'sms', contacts: 1 },
      responders: { targeted: 2, untargeted: 4 },
    });
    expect(await loadCampaignAudience(store, collections, 'default', ['s1'], 'sms')).toMatchObject({
      responders: { targeted: 0, untargeted: 0 },
    });
  });

  // A review of this round's change: the store matched eq and in exactly before the spelling-aware check ran, so an
  // all-match list on free text still missed the record typed on an Arabic keyboard.
  it('selects free text in one Persian spelling through the store too (all-match eq and in)', async () => {
    for (const list of ['d2', 'd3']) {
      expect(await loadCampaignAudience(store, collections, 'default', [list], 'sms', ['lead:l3'])).toMatchObject({
        targetsByType: { lead: 1 },
        responders: { targeted: 1 },
      });
    }
  });
});
