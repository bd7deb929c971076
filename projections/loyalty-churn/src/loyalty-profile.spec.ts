import type { CustomerHistory } from './customer-history';
import { at, endOf, history } from './loyalty.fixtures';
import { loyaltyProfile, type LoyaltyOptions } from './loyalty-profile';

/**
 * As of 30 June 2025, 90-day threshold: A lapsed on 14 June, B closed in April,
 * so the active base is C (bought 1 Mar and 20 Jun, complaint open since 20 May)
 * and D (bought 5 May, NPS 5 on 1 Jun). E never bought.
 */
const histories: CustomerHistory[] = [
  history('A', {
    purchases: [
      ['2025-01-10T10:00:00Z', 500_000],
      ['2025-03-15T10:00:00Z', 700_000],
    ],
  }),
  history('B', { purchases: [['2025-02-01T10:00:00Z', 100]], closings: [['2025-04-10T10:00:00Z']] }),
  {
    ...history('C', {
      purchases: [
        ['2025-03-01T10:00:00Z', 1_000_000],
        ['2025-06-20T10:00:00Z', 3_000_000],
      ],
    }),
    interactions: [{ kind: 'complaint', id: 'k1', at: at('2025-05-20T10:00:00Z'), openSpans: [{ from: at('2025-05-20T10:00:00Z') }] }],
  },
  {
    ...history('D', { purchases: [['2025-05-05T10:00:00Z', 2_000_000]] }),
    interactions: [{ kind: 'survey', id: 's1', at: at('2025-06-01T10:00:00Z'), surveyType: 'nps', score: 5 }],
  },
  history('E', { interactions: [['2025-02-01T10:00:00Z', 'feedback']] }),
];
const options: LoyaltyOptions = { asOf: endOf('2025-06-30'), windowDays: 365, inactivityDays: 90, margin: 0.3 };

describe('loyaltyProfile', () => {
  it('profiles an active customer against the active base', () => {
    // Base recencies 10 and 56 days, frequencies 2 and 1, spend 4M and 2M: C is the top half of two → 4 4 4.
    expect(loyaltyProfile('C', histories, options)).toEqual({
      accountId: 'C',
      name: 'حساب C',
      asOf: '2025-06-30T20:29:59.999Z',
      status: 'active',
      statusSince: '2025-03-01T10:00:00.000Z',
      lostReason: null,
      firstPurchaseAt: '2025-03-01T10:00:00.000Z',
      lastPurchaseAt: '2025-06-20T10:00:00.000Z',
      recencyDays: 10,
      frequency: 2,
      monetary: [{ amount: 4_000_000, currency: 'IRR' }],
      mainCurrency: 'IRR',
      rfm: { recency: 4, frequency: 4, monetary: 4, code: '444' },
      segment: 'champions',
      activeCustomers: 2,
      countsWonDeals: false,
      lastActivityAt: '2025-06-20T10:00:00.000Z',
      lastInteraction: { kind: 'complaint', id: 'k1', at: '2025-05-20T10:00:00.000Z' },
      openComplaints: 1,
      latestNps: null,
      latestCsat: null,
      churnRisk: { level: 'medium', factors: ['open_complaints'], daysSinceLastActivity: 10 },
      tier: { name: 'platinum', discountPercent: 15, creditLevel: 'high' },
      // Nobody was active a year before, so no churn rate yet: lifetime capped at 10 years. 2M × 2/yr × 0.3 × 10.
      customerValue: {
        value: { amount: 12_000_000, currency: 'IRR' },
        averageOrderValue: { amount: 2_000_000, currency: 'IRR' },
        purchasesPerYear: 2,
        margin: 0.3,
        annualChurnRate: null,
        expectedLifetimeYears: 10,
      },
    });
  });

  it('gives a lost customer its values but no RFM scores or segment (the quintiles rank active customers), and the churned tier', () => {
    expect(loyaltyProfile('A', histories, options)).toMatchObject({
      status: 'lost',
      statusSince: '2025-06-13T20:30:00.000Z',
      lostReason: 'inactive',
      recencyDays: 107,
      frequency: 2,
      rfm: null,
      segment: 'churned',
      churnRisk: { level: 'churned', factors: ['inactivity_high'], daysSinceLastActivity: 107 },
      tier: { name: 'churned', discountPercent: 0, creditLevel: 'none' },
      customerValue: { value: { amount: 3_600_000, currency: 'IRR' } },
    });
    expect(loyaltyProfile('B', histories, options)).toMatchObject({
      status: 'lost',
      lostReason: 'closed',
      statusSince: '2025-04-10T10:00:00.000Z',
    });
  });

  it('takes the latest NPS answer into the churn risk', () => {
    expect(loyaltyProfile('D', histories, options)).toMatchObject({
      rfm: { recency: 2, frequency: 2, monetary: 2 },
      segment: 'hibernating',
      latestNps: { score: 5, category: 'detractor', at: '2025-06-01T10:00:00.000Z' },
      churnRisk: { level: 'medium', factors: ['nps_detractor'], daysSinceLastActivity: 29 },
      tier: { name: 'standard' },
    });
  });

  it('describes an account that never bought as a prospect, and knows nothing of unknown accounts', () => {
    expect(loyaltyProfile('E', histories, options)).toMatchObject({
      status: 'prospect',
      statusSince: null,
      recencyDays: null,
      frequency: 0,
      monetary: [],
      rfm: null,
      segment: 'prospect',
      churnRisk: null,
      tier: { name: 'standard', discountPercent: 0, creditLevel: 'none' },
      customerValue: null,
      lastInteraction: { kind: 'feedback', id: 'E-i1', at: '2025-02-01T10:00:00.000Z' },
    });
    expect(loyaltyProfile('nobody', histories, options)).toBeUndefined();
  });
});
