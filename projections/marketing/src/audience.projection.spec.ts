import {
  at,
  leadAssigned,
  leadCaptured,
  leadDisqualified,
  leadQualified,
  accountOpened,
  consent,
  contactCreated,
} from '@crm/projections/testing';
import { projectionSpec } from '@crm/shared/testing';
import { marketingAudience } from './audience.projection';

const spec = projectionSpec(marketingAudience);

describe('marketing-audience projection', () => {
  it('keeps the attributes a dynamic list selects leads on', () => {
    spec
      .given([
        leadCaptured('l1', 'campaign', { campaignId: 'c1', company: 'فولاد' }),
        { type: 'LeadUpdated', data: { leadId: 'l1', changes: { company: 'فولاد مبارکه' }, updatedAt: at(2) } },
        leadAssigned('l1', 'u7'),
        leadQualified('l1', 'o1'),
        leadCaptured('l2', 'web'),
        leadDisqualified('l2'),
      ])
      .thenDocuments({
        'default:lead:l1': {
          tenantId: 'default',
          memberType: 'lead',
          memberId: 'l1',
          source: 'campaign',
          status: 'qualified',
          ownerId: 'u7',
          campaignId: 'c1',
          company: 'فولاد مبارکه',
        },
        'default:lead:l2': { tenantId: 'default', memberType: 'lead', memberId: 'l2', source: 'web', status: 'disqualified' },
      });
  });

  it('follows accounts through updates, closing and reopening', () => {
    spec
      .given([
        accountOpened('a1', { industry: 'خودرو' }),
        { type: 'AccountUpdated', data: { accountId: 'a1', changes: { industry: 'فولاد', ownerId: 'u2' }, updatedAt: at(2) } },
        { type: 'AccountClosed', data: { accountId: 'a1', reason: 'ورشکستگی', closedAt: at(3) } },
        accountOpened('a2'),
        { type: 'AccountClosed', data: { accountId: 'a2', reason: 'x', closedAt: at(3) } },
        { type: 'AccountReopened', data: { accountId: 'a2', reopenedAt: at(4) } },
      ])
      .thenDocuments({
        'default:account:a1': {
          tenantId: 'default',
          memberType: 'account',
          memberId: 'a1',
          name: 'شرکت فولاد مبارکه',
          status: 'closed',
          industry: 'فولاد',
          ownerId: 'u2',
        },
        'default:account:a2': { tenantId: 'default', memberType: 'account', memberId: 'a2', name: 'شرکت فولاد مبارکه', status: 'active' },
      });
  });

  it('keeps a contact’s account, preferred channel and the channels it consents to now', () => {
    spec
      .given([
        contactCreated('p1', { preferredChannel: 'sms' }),
        consent('p1', 'sms'),
        consent('p1', 'email'),
        consent('p1', 'sms'),
        consent('p1', 'email', false),
        { type: 'ContactLinkedToAccount', data: { contactId: 'p1', accountId: 'a1', linkedAt: at(3) } },
        { type: 'ContactUpdated', data: { contactId: 'p1', changes: { fullName: 'مریم احمدی‌نژاد' }, updatedAt: at(4) } },
        consent('p9', 'sms'),
      ])
      .thenDocuments({
        'default:contact:p1': {
          tenantId: 'default',
          memberType: 'contact',
          memberId: 'p1',
          fullName: 'مریم احمدی‌نژاد',
          accountId: 'a1',
          preferredChannel: 'sms',
          consent: ['sms'],
        },
      });
  });
});
