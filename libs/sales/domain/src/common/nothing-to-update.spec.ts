// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import { accountDecider } from '../account/account.decider';
import { contactDecider } from '../contact/contact.decider';
import { leadDecider } from '../lead/lead.decider';

const at = '2026-01-10T09:00:00.000Z';

describe('an update that names nothing to change', () => {
  it('is refused 400 naming every field it could have given, before the record is looked at', () => {
    deciderSpec(leadDecider)
      .given([])
      .when({ type: 'UpdateLead', data: { leadId: 'lead-1', updatedAt: at } })
      .thenThrows('LEAD.NOTHING_TO_UPDATE', { fields: ['fullName', 'company', 'email', 'phone', 'interest'] });
    deciderSpec(contactDecider)
      .given([])
      .when({ type: 'UpdateContact', data: { contactId: 'contact-1', updatedAt: at } })
      .thenThrows('CONTACT.NOTHING_TO_UPDATE', { fields: ['fullName', 'email', 'phone', 'preferredChannel'] });
    deciderSpec(accountDecider)
      .given([])
      .when({ type: 'UpdateAccount', data: { accountId: 'account-1', updatedAt: at } })
      .thenThrows('ACCOUNT.NOTHING_TO_UPDATE', { fields: ['name', 'nationalId', 'industry', 'ownerId'] });
  });

  it('is still a no-op when it gives the record its own values', () => {
    const opened = {
      type: 'AccountOpened' as const,
      data: { accountId: 'account-1', name: 'شرکت فولاد', nameKey: 'شرکتفولاد', openedAt: at },
    };
    deciderSpec(accountDecider)
      .given([opened])
      .when({ type: 'UpdateAccount', data: { accountId: 'account-1', name: 'شرکت فولاد', updatedAt: at } })
      .then([]);
  });
});
