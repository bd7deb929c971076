import type { Actor } from '@crm/shared/event-sourcing';
import type { OpenStage, QuoteLineInput } from '@crm/sales/domain';
import { after, asReaction, dateAfter, DAY, HOUR, SALES_REPS, type Scenario, type ScenarioContext, SYSTEM } from './scenario';
import { account, deal, MILLION, quote } from './sales-steps';
import { INDUSTRIES, LOSS_REASONS, NEEDS, SOLUTIONS } from './vocabulary';

export interface Deal {
  readonly opportunityId: string;
  readonly accountId: string;
  readonly estimate: number;
  readonly rep: Actor;
}

function quoteLines(ctx: ScenarioContext, estimate: number): QuoteLineInput[] {
  const { random } = ctx;
  const lines: QuoteLineInput[] = [
    {
      description: random.pick(NEEDS),
      quantity: random.int(1, 40) / 4,
      unitPrice: { amount: Math.max(1, Math.round(estimate / 10 / MILLION)) * MILLION, currency: 'IRR' },
      discountPercent: random.pick([0, 5, 10, 12.5]),
    },
  ];
  if (random.chance(0.5))
    lines.push({ description: 'حمل و نصب', quantity: 1, unitPrice: { amount: random.int(5, 50) * MILLION, currency: 'IRR' } });
  return lines;
}

/** Stages, a quote, and then won (the accepted quote wins it), lost, or still open. */
export function* dealJourney(ctx: ScenarioContext, { opportunityId, accountId, estimate, rep }: Deal): Scenario {
  const { random } = ctx;
  if (random.chance(0.7)) {
    const solution = random.pick(SOLUTIONS);
    yield after(random.int(HOUR, 7 * DAY), (proposedAt) =>
      deal(opportunityId, { type: 'ProposeSolution', data: { opportunityId, solution, proposedAt } }, rep),
    );
  }
  const stages: OpenStage[] = ['needs_analysis', 'proposal', 'negotiation'];
  const reach = random.int(0, stages.length);
  for (const stage of stages.slice(0, reach)) {
    yield after(random.int(HOUR, 10 * DAY), (movedAt) =>
      deal(opportunityId, { type: 'MoveOpportunityStage', data: { opportunityId, stage, movedAt } }, rep),
    );
  }
  if (random.chance(0.3)) {
    const amount = { amount: Math.round((estimate * random.int(70, 130)) / 100), currency: 'IRR' };
    yield after(random.int(HOUR, 5 * DAY), (revisedAt) =>
      deal(opportunityId, { type: 'ReviseEstimate', data: { opportunityId, amount, revisedAt } }, rep),
    );
  }
  const outcome = random.weighted({ won: 45, lost: 35, open: 20 });
  // A deal is won through an accepted quote, which needs a proposal first.
  if (outcome === 'open' || (outcome === 'won' && reach < 2)) return;
  if (outcome === 'lost') {
    const reason = random.pick(LOSS_REASONS);
    yield after(random.int(DAY, 20 * DAY), (lostAt) =>
      deal(opportunityId, { type: 'LoseOpportunity', data: { opportunityId, reason, lostAt } }, rep),
    );
    if (random.chance(0.1)) {
      yield after(random.int(DAY, 30 * DAY), (reopenedAt) =>
        deal(opportunityId, { type: 'ReopenOpportunity', data: { opportunityId, reason: 'مشتری دوباره تماس گرفت', reopenedAt } }, rep),
      );
    }
    return;
  }
  const quoteId = ctx.id('quote');
  yield after(random.int(HOUR, 3 * DAY), (createdAt) =>
    quote(
      quoteId,
      {
        type: 'CreateQuote',
        data: { quoteId, opportunityId, lines: quoteLines(ctx, estimate), validUntil: dateAfter(createdAt, 30), createdAt },
      },
      rep,
    ),
  );
  yield after(random.int(10, DAY), (issuedAt) => quote(quoteId, { type: 'IssueQuote', data: { quoteId, issuedAt } }, rep));
  if (random.chance(0.2)) {
    yield after(random.int(HOUR, 3 * DAY), (revisedAt) =>
      quote(
        quoteId,
        { type: 'ReviseQuote', data: { quoteId, lines: quoteLines(ctx, estimate), validUntil: dateAfter(revisedAt, 30), revisedAt } },
        rep,
      ),
    );
    yield after(random.int(10, HOUR), (issuedAt) => quote(quoteId, { type: 'IssueQuote', data: { quoteId, issuedAt } }, rep));
  }
  const decided = random.chance(0.85);
  const answered = yield after(random.int(HOUR, 10 * DAY), (at) =>
    quote(
      quoteId,
      decided
        ? { type: 'AcceptQuote', data: { quoteId, at, recordedAt: at } }
        : { type: 'RejectQuote', data: { quoteId, reason: 'قیمت بالاست', at } },
      rep,
    ),
  );
  const total = answered.find((event) => event.type === 'QuoteAccepted')?.data['total'] as { amount: number; currency: string } | undefined;
  if (!total) {
    yield after(random.int(HOUR, 5 * DAY), (lostAt) =>
      deal(opportunityId, { type: 'LoseOpportunity', data: { opportunityId, reason: 'پیش‌فاکتور رد شد', lostAt } }, rep),
    );
    return;
  }
  // The quote-acceptance policy wins the deal with the quote's total.
  yield after(0, (wonAt) =>
    asReaction(
      deal(opportunityId, { type: 'WinOpportunity', data: { opportunityId, amount: total, quoteId, wonAt } }, SYSTEM),
      'QuoteAccepted',
      'win-opportunity',
    ),
  );
  yield* customerLife(ctx, accountId, total.amount);
}

/** Purchases over months (what RFM, cohorts and churn are computed from); some customers leave. */
export function* customerLife(ctx: ScenarioContext, accountId: string, firstAmount: number): Scenario {
  const { random } = ctx;
  const purchases = random.int(1, 8);
  const erp: Actor = { id: 'erp', roles: ['integration'] };
  for (let i = 0; i < purchases; i += 1) {
    const amount = { amount: i === 0 ? firstAmount : random.int(1, 300) * MILLION, currency: 'IRR' };
    const purchaseId = ctx.id('purchase');
    const externalRef = `INV-${ctx.serial()}`;
    yield after(i === 0 ? random.int(HOUR, 5 * DAY) : random.int(7 * DAY, 60 * DAY), (occurredAt) =>
      account(
        accountId,
        { type: 'RecordPurchase', data: { accountId, purchaseId, amount, occurredAt, externalRef, recordedAt: occurredAt } },
        erp,
      ),
    );
  }
  if (random.chance(0.2)) {
    const industry = random.pick(INDUSTRIES);
    yield after(random.int(DAY, 30 * DAY), (updatedAt) =>
      account(accountId, { type: 'UpdateAccount', data: { accountId, industry, updatedAt } }, random.pick(SALES_REPS)),
    );
  }
  if (random.chance(0.15)) {
    yield after(random.int(30 * DAY, 120 * DAY), (closedAt) =>
      account(accountId, { type: 'CloseAccount', data: { accountId, reason: 'همکاری متوقف شد', closedAt } }, random.pick(SALES_REPS)),
    );
  }
}

/** A company entered by hand with its contact, then a deal or straight purchases. */
