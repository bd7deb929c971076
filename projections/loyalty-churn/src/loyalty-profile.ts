import { npsCategory } from '@crm/service/domain';
import type { Money } from '@crm/shared/kernel';
import { activeSpans, lastActivityAt, statusOf } from './activity-timeline';
import { churnRiskOf, type ChurnRisk } from './churn-risk';
import type { CustomerHistory, Interaction, Purchase } from './customer-history';
import { customerValueOf, type AnnualChurn, type CustomerValue } from './customer-value';
import { daysBetween, iso } from './days';
import { loyaltyPopulation, type LoyaltyPopulation } from './loyalty-population';
import { inWindow, rfmValues, segmentOf, type RfmScores, type RfmValues, type Segment } from './rfm';
import { DEFAULT_TIER_RULES, tierOf, type Tier, type TierRule } from './tier';

export interface LoyaltyOptions {
  readonly asOf: number;
  readonly windowDays: number;
  readonly inactivityDays: number;
  readonly margin: number;
  readonly tierRules?: readonly TierRule[];
}

export interface LoyaltyProfile {
  readonly accountId: string;
  readonly name: string;
  readonly asOf: string;
  readonly status: 'prospect' | 'active' | 'lost';
  readonly statusSince: string | null;
  readonly lostReason: 'closed' | 'inactive' | null;
  readonly firstPurchaseAt: string | null;
  readonly lastPurchaseAt: string | null;
  readonly recencyDays: number | null;
  readonly frequency: number;
  readonly monetary: readonly Money[];
  readonly mainCurrency: string | null;
  readonly rfm: (RfmScores & { readonly code: string }) | null;
  readonly segment: Segment;
  /** The active customer base the quintiles were taken over. */
  readonly activeCustomers: number;
  readonly countsWonDeals: boolean;
  readonly lastActivityAt: string | null;
  readonly lastInteraction: { readonly kind: string; readonly id: string; readonly at: string } | null;
  readonly openComplaints: number;
  readonly latestNps: { readonly score: number; readonly category: string; readonly at: string } | null;
  readonly latestCsat: { readonly score: number; readonly at: string } | null;
  readonly churnRisk: ChurnRisk | null;
  readonly tier: Tier;
  readonly customerValue: CustomerValue | null;
}

const latestScore = (interactions: readonly Interaction[], surveyType: string) =>
  interactions.filter((i) => i.surveyType === surveyType && i.score !== undefined).at(-1) as (Interaction & { score: number }) | undefined;

const isOpenComplaint = (i: Interaction) => i.kind === 'complaint' && (i.openSpans ?? []).some((span) => span.to === undefined);

function valueOf(history: CustomerHistory, values: RfmValues | undefined, options: LoyaltyOptions, annualChurn: AnnualChurn | null) {
  if (!values) return null;
  const main = (p: Purchase) => p.amount.currency === values.mainCurrency && inWindow(p.at, options.asOf, options.windowDays);
  const orders = history.purchases.filter(main);
  const spend = { amount: orders.reduce((sum, p) => sum + p.amount.amount, 0), currency: values.mainCurrency };
  return customerValueOf({ orders: orders.length, spend, windowDays: options.windowDays, margin: options.margin, annualChurn });
}

/** The loyalty view of one account as of `options.asOf`, against every account's history; undefined when unknown. */
export function loyaltyProfile(
  accountId: string,
  histories: readonly CustomerHistory[],
  options: LoyaltyOptions,
): LoyaltyProfile | undefined {
  const history = histories.find((h) => h.accountId === accountId);
  return history === undefined ? undefined : loyaltyProfileOf(history, loyaltyPopulation(histories, options), options);
}

/**
 * The loyalty view of one account from its own history and the population it
 * is ranked in (`loyaltyPopulation` over every account's history as of the
 * same asOf, or one `reusableAt` it, window and threshold): what a request
 * needs once the population is at hand.
 */
export function loyaltyProfileOf(history: CustomerHistory, population: LoyaltyPopulation, options: LoyaltyOptions): LoyaltyProfile {
  const { accountId } = history;
  const { asOf, windowDays, inactivityDays } = options;
  const values = rfmValues(history, asOf, windowDays);
  const status = statusOf(history, activeSpans(history, inactivityDays, asOf));
  const churned = status.status === 'lost';
  // RFM scores rank the active customer base: a lost customer is outside it, so has values but no scores or segment.
  const scores = values && !churned ? population.scores(values) : undefined;
  const lastActivity = lastActivityAt(history);
  const lastInteraction = history.interactions.at(-1);
  const nps = latestScore(history.interactions, 'nps');
  const csat = latestScore(history.interactions, 'csat');
  const openComplaints = history.interactions.filter(isOpenComplaint).length;
  const segment: Segment = churned ? 'churned' : scores ? segmentOf(scores.recency, scores.frequency) : 'prospect';
  return {
    accountId,
    name: history.name,
    asOf: iso(asOf),
    status: status.status,
    statusSince: status.status === 'prospect' ? null : iso(status.since),
    lostReason: status.status === 'lost' ? status.reason : null,
    firstPurchaseAt: history.purchases[0] ? iso(history.purchases[0].at) : null,
    lastPurchaseAt: history.purchases.length > 0 ? iso((history.purchases.at(-1) as Purchase).at) : null,
    recencyDays: values?.recencyDays ?? null,
    frequency: values?.frequency ?? 0,
    monetary: values?.monetary ?? [],
    mainCurrency: values?.mainCurrency ?? null,
    rfm: scores ? { ...scores, code: `${scores.recency}${scores.frequency}${scores.monetary}` } : null,
    segment,
    activeCustomers: population.activeCustomers,
    countsWonDeals: history.countsWonDeals,
    lastActivityAt: lastActivity === undefined ? null : iso(lastActivity),
    lastInteraction: lastInteraction ? { kind: lastInteraction.kind, id: lastInteraction.id, at: iso(lastInteraction.at) } : null,
    openComplaints,
    latestNps: nps ? { score: nps.score, category: npsCategory(nps.score), at: iso(nps.at) } : null,
    latestCsat: csat ? { score: csat.score, at: iso(csat.at) } : null,
    churnRisk:
      status.status === 'prospect' || lastActivity === undefined
        ? null
        : churnRiskOf({
            churned,
            daysSinceLastActivity: daysBetween(lastActivity, asOf),
            inactivityDays,
            openComplaints,
            latestNps: nps?.score,
          }),
    tier: tierOf({ segment, monetaryScore: scores?.monetary, churned }, options.tierRules ?? DEFAULT_TIER_RULES),
    customerValue: valueOf(history, values, options, population.annualChurn),
  };
}
