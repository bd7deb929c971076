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
];

describe('a campaign audience', () => {
  let store: InMemoryReadStore;

  beforeAll(async () => {
    store = await storeWith(MARKETING_PROJECTIONS, recorded(history));
  });

  it('tells the responders among the targets from those outside them, against the same targets, static and dynamic', async () => {
    // p1 and l1 are targets; p2 was taken off the list, p3 and l2 never were on one, a1 is an account nobody targeted.
    const responders = ['contact:p1', 'contact:p2', 'contact:p3', 'lead:l1', 'lead:l2', 'account:a1'];
    const audience = await loadCampaignAudience(store, collections, 'default', ['s1', 'd1'], 'sms', responders);
    expect(audience).toMatchObject({
      targets: 2,
      targetsByType: { lead: 1, contact: 1, account: 0 },
      reachable: { consentChannel: 'sms', contacts: 1 },
      responders: { targeted: 2, untargeted: 4 },
    });
    expect(await loadCampaignAudience(store, collections, 'default', ['s1'], 'sms')).toMatchObject({
      responders: { targeted: 0, untargeted: 0 },
    });
  });
});
