import type { DataSubjectErased } from '@crm/privacy/domain';
import { consent, contactCreated, listCreated, membersAdded, recorded, storeWith } from '@crm/projections/testing';
import { audienceKey, marketingAudience, type AudienceDoc } from './audience.projection';
import { loadCampaignAudience } from './campaign-audience';
import { MARKETING_PROJECTIONS } from './index';

const collections = { lists: 'marketing_lists', members: 'marketing_list_members', audience: 'marketing_audience' };

const erased = (subject: DataSubjectErased['data']['subject'], records: string[]): DataSubjectErased => ({
  type: 'DataSubjectErased',
  data: { subject, reason: 'درخواست حذف', records, erasedAt: '2026-03-02T10:00:00.000Z' },
});

/** p1 and p2 consent to SMS and are on a static list; p1 is erased (as named), p3 as the contact a lead erasure found. */
const history = [
  contactCreated('p1'),
  contactCreated('p2'),
  contactCreated('p3'),
  consent('p1', 'sms'),
  consent('p2', 'sms'),
  consent('p3', 'sms'),
  listCreated('s1', 'contact'),
  membersAdded('s1', 'contact', 'p1', 'p2', 'p3'),
  erased({ type: 'contact', id: 'p1' }, ['contact-p1', 'activity-a1']),
  erased({ type: 'lead', id: 'l9' }, ['lead-l9', 'contact-p3']),
  // A grant recorded after the erasure (a late import) gives the erased person no consent back.
  consent('p1', 'sms'),
];

describe('an erasure takes the person out of what marketing may address', () => {
  it('counts an erased contact reachable on no channel, the consent channel or one that needs none', async () => {
    const store = await storeWith(MARKETING_PROJECTIONS, recorded(history));
    expect(await loadCampaignAudience(store, collections, 'default', ['s1'], 'sms')).toMatchObject({
      targetsByType: { contact: 3 },
      reachable: { consentChannel: 'sms', contacts: 1 },
    });
    expect(await loadCampaignAudience(store, collections, 'default', ['s1'], 'web')).toMatchObject({
      reachable: { consentChannel: null, contacts: 1 },
    });
    const p1 = await store.get<AudienceDoc>('marketing_audience', audienceKey('default', 'contact', 'p1'));
    expect(p1?.doc).toMatchObject({ consent: [], erased: true });
  });

  it('routes an erasure to the audience records among its records, and to none of another kind', () => {
    const [contact, lead] = recorded([erased({ type: 'lead', id: 'l9' }, ['lead-l9', 'contact-p3', 'complaint-c1'])]).concat(
      recorded([erased({ type: 'complaint', id: 'c1' }, ['complaint-c1'])]),
    );
    expect(marketingAudience.documentId(contact as never)).toEqual([
      audienceKey('default', 'lead', 'l9'),
      audienceKey('default', 'contact', 'p3'),
    ]);
    expect(marketingAudience.documentId(lead as never)).toEqual([]);
    expect(marketingAudience.eventTypes).toContain('DataSubjectErased');
  });
});
