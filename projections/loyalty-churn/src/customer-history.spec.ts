import { customerHistories, type LoyaltySources } from './customer-history';
import type { CustomerActivityDoc } from './documents';
import { at, endOf } from './loyalty.fixtures';

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
