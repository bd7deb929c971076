import type { Money } from '@crm/shared/kernel';
import {
  linkStandsAt,
  wonStretches,
  type ContactLinkDoc,
  type CustomerActivityDoc,
  type CustomerInteractionDoc,
  type InteractionKind,
  type OpportunityLinkDoc,
  type WonDealDoc,
} from './documents';

/**
 * When a won deal counts as a purchase. `auto` (the default): a deal won before the
 * account's first purchase record counts; one won on or after it does not, since once
 * an ERP records an account's invoices its won deals come back as those purchases and
 * would otherwise count twice. The rule looks only at facts dated up to the deal's win,
 * so a closed period changes only by late facts about that period (a purchase recorded
 * later, dated after the win, changes nothing before it). `always` / `never` force it.
 */
export const WON_DEALS_RULES = ['auto', 'always', 'never'] as const;
export type WonDealsRule = (typeof WON_DEALS_RULES)[number];

export interface Purchase {
  readonly id: string;
  readonly amount: Money;
  readonly at: number;
  readonly source: 'purchase' | 'won_deal';
}

export interface Interaction {
  readonly kind: InteractionKind;
  readonly id: string;
  readonly at: number;
  readonly surveyType?: string;
  readonly score?: number;
  /** Complaints: spans as of the date; a span closed later is still open then. */
  readonly openSpans?: readonly { readonly from: number; readonly to?: number }[];
}

export interface Closing {
  readonly closedAt: number;
  readonly reopenedAt?: number;
}

/** One account as it stood at `asOf`: nothing recorded for a later time is in it. */
export interface CustomerHistory {
  readonly accountId: string;
  readonly name: string;
  readonly purchases: readonly Purchase[];
  readonly interactions: readonly Interaction[];
  readonly closings: readonly Closing[];
  readonly countsWonDeals: boolean;
}

export interface LoyaltySources {
  readonly activities: readonly CustomerActivityDoc[];
  readonly wonDeals: readonly WonDealDoc[];
  readonly interactions: readonly CustomerInteractionDoc[];
  readonly contactLinks: readonly ContactLinkDoc[];
  readonly opportunityLinks: readonly OpportunityLinkDoc[];
}

const ms = (iso: string): number => Date.parse(iso);
const byTime = <T extends { at: number; id: string }>(a: T, b: T) => a.at - b.at || a.id.localeCompare(b.id);

function into<T>(groups: Map<string, T[]>, key: string | undefined, item: T): void {
  if (key === undefined) return;
  const group = groups.get(key);
  if (group) group.push(item);
  else groups.set(key, [item]);
}

function interactionAsOf(doc: CustomerInteractionDoc, asOf: number): Interaction {
  const { kind, sourceId: id, surveyType, score, openSpans } = doc;
  const spans = openSpans
    ?.filter((span) => ms(span.from) <= asOf)
    .map((span) => (span.to !== undefined && ms(span.to) <= asOf ? { from: ms(span.from), to: ms(span.to) } : { from: ms(span.from) }));
  return {
    kind,
    id,
    at: ms(doc.at),
    ...(surveyType === undefined ? {} : { surveyType }),
    ...(score === undefined ? {} : { score }),
    ...(spans ? { openSpans: spans } : {}),
  };
}

function purchasesAsOf(doc: CustomerActivityDoc, deals: readonly WonDealDoc[], asOf: number, rule: WonDealsRule) {
  const recorded: Purchase[] = doc.purchases
    .filter((p) => ms(p.occurredAt) <= asOf)
    .map((p) => ({ id: p.purchaseId, amount: p.amount, at: ms(p.occurredAt), source: 'purchase' }));
  if (rule === 'never') return { purchases: recorded, countsWonDeals: false };
  // Every purchase record, whenever dated: the first one marks where the account's invoices start (fixed once recorded).
  const firstRecord = doc.purchases.length === 0 ? undefined : Math.min(...doc.purchases.map((p) => ms(p.occurredAt)));
  const counts = (wonAt: number) => rule === 'always' || firstRecord === undefined || wonAt < firstRecord;
  // Each deal as it stood at asOf: the win standing then (won by asOf, not reopened by asOf), if any; the stretches of
  // one deal do not overlap, so it is one purchase at most.
  const won: Purchase[] = deals.flatMap((d) =>
    wonStretches(d)
      .filter((w) => ms(w.wonAt) <= asOf && (w.reopenedAt === undefined || ms(w.reopenedAt) > asOf) && counts(ms(w.wonAt)))
      .map((w): Purchase => ({ id: `won:${d.opportunityId}`, amount: w.amount, at: ms(w.wonAt), source: 'won_deal' })),
  );
  const countsWonDeals = rule === 'always' || firstRecord === undefined || firstRecord > asOf;
  return { purchases: [...recorded, ...won].sort(byTime), countsWonDeals };
}

/** Every account's history as of `asOf`, interactions of its contacts and about its deals included. */
export function customerHistories(sources: LoyaltySources, asOf: number, rule: WonDealsRule = 'auto'): CustomerHistory[] {
  return sources.activities.map(historyOf(sources, asOf, rule));
}

/**
 * The history of any account of `sources.activities` as of `asOf`, the other
 * sources indexed once (so a caller can build many histories a few at a time).
 */
export function historyOf(
  sources: LoyaltySources,
  asOf: number,
  rule: WonDealsRule = 'auto',
): (doc: CustomerActivityDoc) => CustomerHistory {
  const steps = historySteps(sources, asOf, rule, Number.POSITIVE_INFINITY);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * `historyOf`, indexing the sources `slice` documents at a time: each `yield`
 * is a point where the caller may let other work run; the return value is
 * the function `historyOf` returns.
 */
export function* historySteps(
  sources: LoyaltySources,
  asOf: number,
  rule: WonDealsRule,
  slice: number,
): Generator<void, (doc: CustomerActivityDoc) => CustomerHistory> {
  const accountOfContact = new Map<string, string>();
  const dealsByAccount = new Map<string, WonDealDoc[]>();
  const accountOfDeal = new Map<string, string>();
  const interactionsByAccount = new Map<string, CustomerInteractionDoc[]>();
  function* each<T>(items: readonly T[], add: (item: T) => void): Generator<void> {
    for (let i = 0; i < items.length; i += 1) {
      add(items[i] as T);
      if ((i + 1) % slice === 0) yield;
    }
  }
  // The account each contact belonged to at asOf: a move counts from the moment it was recorded.
  yield* each(sources.contactLinks, (link) => {
    if (linkStandsAt(link, asOf)) accountOfContact.set(link.contactId, link.accountId);
  });
  yield* each(sources.wonDeals, (deal) => into(dealsByAccount, deal.accountId, deal));
  yield* each(sources.opportunityLinks, (link) => accountOfDeal.set(link.opportunityId, link.accountId));
  yield* each(sources.interactions, (doc) =>
    into(
      interactionsByAccount,
      doc.accountId ??
        (doc.contactId !== undefined ? accountOfContact.get(doc.contactId) : undefined) ??
        (doc.opportunityId !== undefined ? accountOfDeal.get(doc.opportunityId) : undefined),
      doc,
    ),
  );
  return (doc) => {
    const interactions = (interactionsByAccount.get(doc.accountId) ?? [])
      .filter((i) => ms(i.at) <= asOf)
      .map((i) => interactionAsOf(i, asOf))
      .sort(byTime);
    const closings = doc.closures
      .filter((c) => ms(c.closedAt) <= asOf)
      .map((c) =>
        c.reopenedAt !== undefined && ms(c.reopenedAt) <= asOf
          ? { closedAt: ms(c.closedAt), reopenedAt: ms(c.reopenedAt) }
          : { closedAt: ms(c.closedAt) },
      );
    return {
      accountId: doc.accountId,
      name: doc.name,
      ...purchasesAsOf(doc, dealsByAccount.get(doc.accountId) ?? [], asOf, rule),
      interactions,
      closings,
    };
  };
}
