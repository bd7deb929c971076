import { customerHistories, type LoyaltySources } from './customer-history';
import type { CustomerActivityDoc } from './documents';
import { at, endOf } from './loyalty.fixtures';
import { factInstants } from './loyalty-population';

const account = (
  accountId: string,
  purchases: [string, number][],
  closures: CustomerActivityDoc['closures'] = [],
): CustomerActivityDoc => ({
  tenantId: 'default',
  accountId,
  name: `شرکت ${accountId}`,
  openedAt: '2025-01-01T00:00:00.000Z',
  status: closures.some((c) => c.reopenedAt === undefined) ? 'closed' : 'open',
  closures,
  purchases: purchases.map(([occurredAt, amount], i) => ({
    purchaseId: `${accountId}${i}`,
    amount: { amount, currency: 'IRR' },
    occurredAt,
  })),
});

const sources: LoyaltySources = {
  activities: [
    account(
      'erp',
      [
        ['2025-02-01T00:00:00.000Z', 100],
        ['2025-05-01T00:00:00.000Z', 200],
      ],
      [{ closedAt: '2025-03-01T00:00:00.000Z', reason: 'x', reopenedAt: '2025-04-01T00:00:00.000Z' }],
    ),
    account('crm', []),
  ],
  wonDeals: [
    {
      tenantId: 'default',
      opportunityId: 'o1',
      accountId: 'erp',
      amount: { amount: 900, currency: 'IRR' },
      wonAt: '2025-01-15T00:00:00.000Z',
    },
    {
      tenantId: 'default',
      opportunityId: 'o2',
      accountId: 'crm',
      amount: { amount: 700, currency: 'IRR' },
      wonAt: '2025-02-10T00:00:00.000Z',
    },
    {
      tenantId: 'default',
      opportunityId: 'o3',
      accountId: 'crm',
      amount: { amount: 300, currency: 'IRR' },
      wonAt: '2025-03-10T00:00:00.000Z',
      reopenedAt: '2025-04-10T00:00:00.000Z',
    },
  ],
  interactions: [
    {
      tenantId: 'default',
      kind: 'complaint',
      sourceId: 'k1',
      contactId: 'c1',
      at: '2025-03-05T00:00:00.000Z',
      openSpans: [{ from: '2025-03-05T00:00:00.000Z', to: '2025-03-20T00:00:00.000Z' }],
    },
    { tenantId: 'default', kind: 'survey', sourceId: 's1', accountId: 'erp', at: '2025-06-01T00:00:00.000Z', surveyType: 'nps', score: 9 },
    { tenantId: 'default', kind: 'feedback', sourceId: 'f1', contactId: 'c-unlinked', at: '2025-03-01T00:00:00.000Z' },
  ],
  contactLinks: [{ tenantId: 'default', contactId: 'c1', accountId: 'erp' }],
  opportunityLinks: [{ tenantId: 'default', opportunityId: 'o9', accountId: 'crm' }],
};

describe('customerHistories', () => {
  it('keeps only what was recorded by asOf: purchases, interactions (of the account and its contacts), closings, complaint spans', () => {
    const [erp] = customerHistories(sources, endOf('2025-03-15'));
    expect(erp).toEqual({
      accountId: 'erp',
      name: 'شرکت erp',
      // o1 was won before the first purchase record (1 Feb), so it counts: the invoices had not started yet.
      purchases: [
        { id: 'won:o1', amount: { amount: 900, currency: 'IRR' }, at: at('2025-01-15T00:00:00Z'), source: 'won_deal' },
        { id: 'erp0', amount: { amount: 100, currency: 'IRR' }, at: at('2025-02-01T00:00:00Z'), source: 'purchase' },
      ],
      interactions: [{ kind: 'complaint', id: 'k1', at: at('2025-03-05T00:00:00Z'), openSpans: [{ from: at('2025-03-05T00:00:00Z') }] }],
      closings: [{ closedAt: at('2025-03-01T00:00:00Z') }],
      countsWonDeals: false,
    });
  });

  it('counts won deals (not reopened by asOf) won before the account’s first purchase record, unless told otherwise', () => {
    const asOf = endOf('2025-06-30');
    const ids = (rule?: 'auto' | 'always' | 'never') =>
      customerHistories(sources, asOf, rule).map((h) => [h.accountId, h.countsWonDeals, h.purchases.map((p) => p.id)]);
    expect(ids()).toEqual([
      ['erp', false, ['won:o1', 'erp0', 'erp1']],
      ['crm', true, ['won:o2']],
    ]);
    expect(ids('always')).toEqual([
      ['erp', true, ['won:o1', 'erp0', 'erp1']],
      ['crm', true, ['won:o2']],
    ]);
    expect(ids('never')).toEqual([
      ['erp', false, ['erp0', 'erp1']],
      ['crm', false, []],
    ]);
    // A deal won after the first purchase record does not count, however late that record was written down.
    const late = {
      ...sources,
      wonDeals: [{ ...(sources.wonDeals[0] as LoyaltySources['wonDeals'][number]), wonAt: '2025-02-02T00:00:00.000Z' }],
    };
    expect(customerHistories(late, asOf)[0]?.purchases.map((p) => p.id)).toEqual(['erp0', 'erp1']);
    // Before o3 was reopened it counted.
    expect(customerHistories(sources, endOf('2025-04-01'))[1]?.purchases.map((p) => [p.id, p.source])).toEqual([
      ['won:o2', 'won_deal'],
      ['won:o3', 'won_deal'],
    ]);
  });

  it('attributes logged interactions and completed activities to the account, through its contacts and deals', () => {
    const touches: LoyaltySources['interactions'] = [
      { tenantId: 'default', kind: 'interaction', sourceId: 'i1', contactId: 'c1', at: '2025-07-01T00:00:00.000Z', channel: 'phone' },
      { tenantId: 'default', kind: 'activity', sourceId: 'v1', opportunityId: 'o9', at: '2025-07-02T00:00:00.000Z', occurrence: 0 },
      { tenantId: 'default', kind: 'activity', sourceId: 'v2', opportunityId: 'o-unknown', at: '2025-07-03T00:00:00.000Z' },
    ];
    const histories = customerHistories({ ...sources, interactions: touches }, endOf('2025-07-31'));
    expect(histories.map((h) => [h.accountId, h.interactions.map((i) => [i.kind, i.id])])).toEqual([
      ['erp', [['interaction', 'i1']]],
      ['crm', [['activity', 'v1']]],
    ]);
  });
});

describe('customerHistories as of an instant before a later change of a deal or a contact', () => {
  const activity = (accountId: string, purchases: [string, number][] = []) => account(accountId, purchases);
  const irr = (amount: number) => ({ amount, currency: 'IRR' });

  it('counts the win that stood at asOf of a deal won, reopened and won again', () => {
    const twice: LoyaltySources = {
      activities: [activity('w')],
      wonDeals: [
        {
          tenantId: 'default',
          opportunityId: 'o1',
          accountId: 'w',
          amount: irr(66_000_000),
          wonAt: '2026-03-01T10:00:00.000Z',
          earlierWins: [{ amount: irr(55_000_000), wonAt: '2026-01-10T10:00:00.000Z', reopenedAt: '2026-02-01T10:00:00.000Z' }],
        },
      ],
      interactions: [],
      contactLinks: [],
      opportunityLinks: [],
    };
    const purchases = (asOf: string) => customerHistories(twice, endOf(asOf))[0]?.purchases;
    expect(purchases('2026-01-20')).toEqual([
      { id: 'won:o1', amount: irr(55_000_000), at: at('2026-01-10T10:00:00Z'), source: 'won_deal' },
    ]);
    expect(purchases('2026-02-15')).toEqual([]);
    expect(purchases('2026-03-15')).toEqual([
      { id: 'won:o1', amount: irr(66_000_000), at: at('2026-03-01T10:00:00Z'), source: 'won_deal' },
    ]);
    // wonDeals=auto looks at each win by its own date: a purchase record between the two wins leaves the first counted.
    const recorded = { ...twice, activities: [activity('w', [['2026-02-20T00:00:00.000Z', 10]])] };
    expect(customerHistories(recorded, endOf('2026-01-20'))[0]?.purchases.map((p) => p.id)).toEqual(['won:o1']);
    expect(customerHistories(recorded, endOf('2026-03-15'))[0]?.purchases.map((p) => p.id)).toEqual(['w0']);
  });

  it('counts a contact’s interactions for the account it belonged to at asOf: a move counts from when it was recorded', () => {
    const moved: LoyaltySources = {
      activities: [activity('old', [['2026-01-10T00:00:00.000Z', 100]]), activity('new', [['2026-01-10T00:00:00.000Z', 100]])],
      wonDeals: [],
      interactions: [
        { tenantId: 'default', kind: 'interaction', sourceId: 'i1', contactId: 'c1', at: '2026-04-10T00:00:00.000Z', channel: 'phone' },
      ],
      contactLinks: [
        { tenantId: 'default', contactId: 'c1', accountId: 'old', spans: [{ to: '2026-06-01T08:00:00.000Z' }] },
        { tenantId: 'default', contactId: 'c1', accountId: 'new', spans: [{ from: '2026-06-01T08:00:00.000Z' }] },
      ],
      opportunityLinks: [],
    };
    const touched = (asOf: number, sources = moved) =>
      customerHistories(sources, asOf).map((h) => [h.accountId, h.interactions.map((i) => i.id)]);
    expect(touched(endOf('2026-05-01'))).toEqual([
      ['old', ['i1']],
      ['new', []],
    ]);
    expect(touched(at('2026-06-01T07:59:59.999Z'))).toEqual([
      ['old', ['i1']],
      ['new', []],
    ]);
    // From the move on, the head included, the contact's interactions, earlier ones too, count for the new account.
    expect(touched(at('2026-06-01T08:00:00.000Z'))).toEqual([
      ['old', []],
      ['new', ['i1']],
    ]);
    // One account's own rows (its links only) give it the same history as every row.
    for (const [index, accountId] of ['old', 'new'].entries()) {
      const own = {
        ...moved,
        activities: [moved.activities[index] as CustomerActivityDoc],
        contactLinks: moved.contactLinks.filter((l) => l.accountId === accountId),
      };
      for (const asOf of [endOf('2026-05-01'), endOf('2026-07-01')]) {
        expect(customerHistories(own, asOf)).toEqual([customerHistories(moved, asOf)[index]]);
      }
    }
    // The move is a dated fact: a population as of one side of it is not taken for the other.
    expect([...factInstants(moved)]).toContain(at('2026-06-01T08:00:00Z'));
  });
});
