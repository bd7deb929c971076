import type { CustomerHistory } from './customer-history';
import { dayNumber, startOfDayNumber } from './days';

/** A stretch in which the account was an active customer: [from, to). */
export interface ActiveSpan {
  readonly from: number;
  readonly to?: number;
  readonly endedBy?: 'closed' | 'inactive';
}

type StepKind = 'reopen' | 'purchase' | 'interaction' | 'close';
// At one instant a reopening comes first and a closing last, so "closed at t" wins over activity at t.
const ORDER: Record<StepKind, number> = { reopen: 0, purchase: 1, interaction: 1, close: 2 };

/**
 * Churn definition (DESIGN.md "Analytics definitions"): a customer (an
 * account with a purchase) is lost when its account closes, or once more than
 * `inactivityDays` whole business days (Tehran unless configured) have passed since its last purchase,
 * interaction or reopening; activity after that makes it active again.
 * Everything in `history` is at or before `asOf`.
 */
export function activeSpans(history: CustomerHistory, inactivityDays: number, asOf: number): ActiveSpan[] {
  const steps: { at: number; kind: StepKind }[] = [
    ...history.purchases.map((p) => ({ at: p.at, kind: 'purchase' as const })),
    ...history.interactions.map((i) => ({ at: i.at, kind: 'interaction' as const })),
    ...history.closings.flatMap((c) => [
      { at: c.closedAt, kind: 'close' as const },
      ...(c.reopenedAt === undefined ? [] : [{ at: c.reopenedAt, kind: 'reopen' as const }]),
    ]),
  ].sort((a, b) => a.at - b.at || ORDER[a.kind] - ORDER[b.kind]);
  const lossAt = (last: number) => startOfDayNumber(dayNumber(last) + inactivityDays + 1);
  const spans: ActiveSpan[] = [];
  let from: number | undefined;
  let last = 0;
  let customer = false;
  let closed = false;
  const end = (to: number, endedBy: ActiveSpan['endedBy']) => {
    if (from !== undefined) spans.push({ from, to, endedBy });
    from = undefined;
  };
  const touch = (at: number) => {
    last = at;
    if (!closed && from === undefined) from = at;
  };
  for (const step of steps) {
    if (from !== undefined && lossAt(last) <= step.at) end(lossAt(last), 'inactive');
    if (step.kind === 'purchase') customer = true;
    if (step.kind === 'close') {
      closed = true;
      end(step.at, 'closed');
    } else if (step.kind === 'reopen') {
      closed = false;
      if (customer) touch(step.at);
    } else if (customer) {
      touch(step.at);
    }
  }
  if (from !== undefined) {
    if (lossAt(last) <= asOf) end(lossAt(last), 'inactive');
    else spans.push({ from });
  }
  return spans;
}

export const isActiveAt = (spans: readonly ActiveSpan[], at: number): boolean =>
  spans.some((span) => span.from <= at && (span.to === undefined || at < span.to));

/** Losses in [start, end). */
export const lossesIn = (spans: readonly ActiveSpan[], start: number, end: number): number =>
  spans.filter((span) => span.to !== undefined && span.to >= start && span.to < end).length;

export type CustomerStatus =
  | { readonly status: 'prospect' }
  | { readonly status: 'active'; readonly since: number }
  | { readonly status: 'lost'; readonly since: number; readonly reason: 'closed' | 'inactive' };

/** Where the account stands at the end of its history: never bought, active, or lost (and why). */
export function statusOf(history: CustomerHistory, spans: readonly ActiveSpan[]): CustomerStatus {
  const latest = spans[spans.length - 1];
  if (latest === undefined) {
    const closing = history.closings[history.closings.length - 1];
    // Bought only while closed (a won deal on a closed account): a customer, never active.
    if (history.purchases.length === 0 || closing === undefined) return { status: 'prospect' };
    return { status: 'lost', since: closing.closedAt, reason: 'closed' };
  }
  if (latest.to === undefined) return { status: 'active', since: latest.from };
  return { status: 'lost', since: latest.to, reason: latest.endedBy ?? 'closed' };
}

/** The latest purchase, interaction or reopening: what the inactivity clock runs from. */
export function lastActivityAt(history: CustomerHistory): number | undefined {
  const times = [
    ...history.purchases.map((p) => p.at),
    ...history.interactions.map((i) => i.at),
    ...history.closings.flatMap((c) => (c.reopenedAt === undefined ? [] : [c.reopenedAt])),
  ];
  return times.length === 0 ? undefined : Math.max(...times);
}
