import { projectionSpec } from '@crm/shared/testing';
import { contactAccountsProjection } from './contact-accounts.projection';
import { wonDealsProjection } from './won-deals.projection';
import { sortablePosition } from './documents';

/** The sortable form of the position of the n-th event given (the lastPosition the fold stamps). */
const at = (n: number): string => sortablePosition(String(n));

const won = (opportunityId: string, amount: number, wonAt: string) =>
  ({
    type: 'OpportunityWon',
    data: { opportunityId, accountId: 'a1', amount: { amount, currency: 'IRR' }, stage: 'negotiation', wonAt },
  }) as const;

describe('loyalty-won-deals projection', () => {
  it('keeps each won deal, marks one reopened, and takes the latest win of a deal won again', () => {
    projectionSpec(wonDealsProjection)
      .given([
        won('o1', 900, '2025-02-01T10:00:00+03:30'),
        won('o2', 500, '2025-03-01T00:00:00Z'),
        {
          type: 'OpportunityReopened',
          data: {
            opportunityId: 'o2',
            reason: 'مشتری انصراف داد',
            stage: 'negotiation',
            probability: 80,
            reopenedAt: '2025-03-05T00:00:00Z',
          },
        },
        {
          type: 'OpportunityReopened',
          data: { opportunityId: 'o3', reason: 'x', stage: 'proposal', probability: 50, reopenedAt: '2025-03-06T00:00:00Z' },
        },
        won('o1', 950, '2025-04-01T00:00:00Z'),
      ])
      .thenDocuments({
        'default:o1': {
          tenantId: 'default',
          opportunityId: 'o1',
          accountId: 'a1',
          amount: { amount: 950, currency: 'IRR' },
          wonAt: '2025-04-01T00:00:00.000Z',
          lastPosition: at(5), // won again
        },
        'default:o2': {
          tenantId: 'default',
          opportunityId: 'o2',
          accountId: 'a1',
          amount: { amount: 500, currency: 'IRR' },
          wonAt: '2025-03-01T00:00:00.000Z',
          reopenedAt: '2025-03-05T00:00:00.000Z',
          lastPosition: at(3),
        },
      });
  });
});

describe('loyalty-contact-accounts projection', () => {
  it('follows the account a contact belongs to; a contact without one gets no document', () => {
    projectionSpec(contactAccountsProjection)
      .given([
        {
          type: 'ContactCreated',
          data: {
            contactId: 'c1',
            fullName: 'مریم احمدی',
            nameKey: 'مریم احمدی',
            matchKeys: [],
            accountId: 'a1',
            createdAt: '2025-01-01T00:00:00Z',
          },
        },
        {
          type: 'ContactCreated',
          data: { contactId: 'c2', fullName: 'علی رضایی', nameKey: 'علی رضایی', matchKeys: [], createdAt: '2025-01-01T00:00:00Z' },
        },
        {
          type: 'ContactLinkedToAccount',
          data: { contactId: 'c1', accountId: 'a2', previousAccountId: 'a1', linkedAt: '2025-02-01T00:00:00Z' },
        },
      ])
      .thenDocuments({ 'default:c1': { tenantId: 'default', contactId: 'c1', accountId: 'a2', lastPosition: at(3) } });
  });
});
