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

describe('loyalty-won-deals projection: a deal won, reopened and won again', () => {
  it('keeps the earlier win with the reopening that ended it; the latest win stays on top, as at the head', () => {
    const reopened = (reopenedAt: string) =>
      ({
        type: 'OpportunityReopened',
        data: { opportunityId: 'o1', reason: 'x', stage: 'negotiation', probability: 80, reopenedAt },
      }) as const;
    projectionSpec(wonDealsProjection)
      .given([
        won('o1', 55_000_000, '2026-03-01T10:00:00Z'),
        reopened('2026-04-01T10:00:00Z'),
        won('o1', 66_000_000, '2026-05-01T10:00:00Z'),
        reopened('2026-06-01T10:00:00Z'),
        // Lost (an event this projection does not take) and reopened again before the next win: the win before
        // ended at the first reopening.
        reopened('2026-06-20T10:00:00Z'),
        won('o1', 77_000_000, '2026-07-01T10:00:00Z'),
      ])
      .thenDocuments({
        'default:o1': {
          tenantId: 'default',
          opportunityId: 'o1',
          accountId: 'a1',
          amount: { amount: 77_000_000, currency: 'IRR' },
          wonAt: '2026-07-01T10:00:00.000Z',
          earlierWins: [
            { amount: { amount: 55_000_000, currency: 'IRR' }, wonAt: '2026-03-01T10:00:00.000Z', reopenedAt: '2026-04-01T10:00:00.000Z' },
            { amount: { amount: 66_000_000, currency: 'IRR' }, wonAt: '2026-05-01T10:00:00.000Z', reopenedAt: '2026-06-01T10:00:00.000Z' },
          ],
          lastPosition: at(6),
        },
      });
  });
});

const linked = (contactId: string, accountId: string, previousAccountId: string | undefined, linkedAt: string) =>
  ({
    type: 'ContactLinkedToAccount',
    data: { contactId, accountId, ...(previousAccountId === undefined ? {} : { previousAccountId }), linkedAt },
  }) as const;

describe('loyalty-contact-accounts projection', () => {
  it('keeps, per contact and account, when the contact belonged to it: a move counts from the moment it was recorded', () => {
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
      .thenDocuments({
        // The first account held from ever until the move; the one moved to from then on.
        'default:c1:a1': {
          tenantId: 'default',
          contactId: 'c1',
          accountId: 'a1',
          spans: [{ to: '2025-02-01T00:00:00.000Z' }],
          lastPosition: at(3),
        },
        'default:c1:a2': {
          tenantId: 'default',
          contactId: 'c1',
          accountId: 'a2',
          spans: [{ from: '2025-02-01T00:00:00.000Z' }],
          lastPosition: at(3),
        },
      });
  });

  it('takes a contact linked after its creation as its only account; moved away and back, the account has two spans', () => {
    projectionSpec(contactAccountsProjection)
      .given([
        {
          type: 'ContactCreated',
          data: { contactId: 'c2', fullName: 'علی رضایی', nameKey: 'علی رضایی', matchKeys: [], createdAt: '2025-01-01T00:00:00Z' },
        },
        linked('c2', 'a1', undefined, '2025-03-01T00:00:00+03:30'),
        linked('c2', 'a2', 'a1', '2025-04-01T00:00:00Z'),
        linked('c2', 'a1', 'a2', '2025-05-01T00:00:00Z'),
        // A clock set back: the move takes effect where the link it ends began, so the spans never overlap.
        linked('c2', 'a3', 'a1', '2025-04-20T00:00:00Z'),
      ])
      .thenDocuments({
        'default:c2:a1': {
          tenantId: 'default',
          contactId: 'c2',
          accountId: 'a1',
          spans: [{ to: '2025-04-01T00:00:00.000Z' }, { from: '2025-05-01T00:00:00.000Z', to: '2025-05-01T00:00:00.000Z' }],
          lastPosition: at(5),
        },
        'default:c2:a2': {
          tenantId: 'default',
          contactId: 'c2',
          accountId: 'a2',
          spans: [{ from: '2025-04-01T00:00:00.000Z', to: '2025-05-01T00:00:00.000Z' }],
          lastPosition: at(4),
        },
        'default:c2:a3': {
          tenantId: 'default',
          contactId: 'c2',
          accountId: 'a3',
          spans: [{ from: '2025-05-01T00:00:00.000Z' }],
          lastPosition: at(5),
        },
      });
  });
});
