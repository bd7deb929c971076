import { accountDecider } from '@crm/sales/domain';
import { newId } from '@crm/shared/kernel';
import { accountStream, opportunityStream, quoteStream } from '../common/streams';
import { sealingSalesWorld } from '../testing/fixtures';
import { OpenOpportunityCommand } from '../opportunity/open-opportunity/open-opportunity.command';
import { OpenOpportunityHandler } from '../opportunity/open-opportunity/open-opportunity.handler';
import { ReviseEstimateCommand } from '../opportunity/revise-estimate/revise-estimate.command';
import { ReviseEstimateHandler } from '../opportunity/revise-estimate/revise-estimate.handler';
import { CreateQuoteCommand } from './create-quote/create-quote.command';
import { CreateQuoteHandler } from './create-quote/create-quote.handler';
import { IssueQuoteCommand } from './issue-quote/issue-quote.command';
import { IssueQuoteHandler } from './issue-quote/issue-quote.handler';
import { RejectQuoteCommand } from './reject-quote/reject-quote.command';
import { RejectQuoteHandler } from './reject-quote/reject-quote.handler';
import { ReviseQuoteCommand } from './revise-quote/revise-quote.command';
import { ReviseQuoteHandler } from './revise-quote/revise-quote.handler';
import type { CommandContext, CommandExecutor } from '@crm/shared/http';
import { ANONYMOUS, DEFAULT_TENANT } from '@crm/shared/event-sourcing';

/**
 * An issued quote is an offer the customer may accept, and acceptance wins the deal in the quote's currency: a change
 * of the deal's currency while one is open would strand it (accepting it would be refused for ever). The deal keeps
 * the quotes it issued (OpportunityQuoteIssued, in the issue's atomic append), so the change is refused while one is
 * open, and an issue and a change sent at the same instant (two processes) are decided one after the other.
 */
describe('a quote issued on a deal, and a change of the deal currency', () => {
  async function world() {
    const w = sealingSalesWorld();
    const accountId = newId();
    const openedAt = '2026-01-10T09:00:00Z';
    await w.executor.execute(
      accountDecider,
      accountStream(accountId),
      { type: 'OpenAccount', data: { accountId, name: 'شرکت فولاد', openedAt } },
      w.fresh(),
    );
    const opportunityId = newId();
    const deal = {
      accountId,
      name: 'ورق فولادی',
      need: 'خط تولید دوم',
      amount: { amount: 1_000_000, currency: 'IRR' },
      expectedCloseDate: '2026-03-01',
    };
    await new OpenOpportunityHandler(w.executor).execute(new OpenOpportunityCommand({ id: opportunityId, ...deal }, w.fresh()));
    const draft = async (currency = 'IRR') => {
      const quoteId = newId();
      const lines = [{ description: 'ورق ۲ میلی‌متری', quantity: 10, unitPrice: { amount: 90_000, currency } }];
      await new CreateQuoteHandler(w.executor).execute(
        new CreateQuoteCommand({ id: quoteId, opportunityId, lines, validUntil: '2026-02-01' }, w.fresh()),
      );
      return quoteId;
    };
    const issue = (quoteId: string, executor: CommandExecutor = w.executor) =>
      new IssueQuoteHandler(executor).execute(new IssueQuoteCommand(quoteId, {}, w.fresh()));
    const toUsd = (executor: CommandExecutor = w.executor) =>
      new ReviseEstimateHandler(executor).execute(
        new ReviseEstimateCommand(opportunityId, { amount: { amount: 25, currency: 'USD' } }, w.fresh()),
      );
    const types = async (streamId: string) => (await w.inner.readStream(streamId)).map((event) => event.type);
    return { ...w, opportunityId, draft, issue, toUsd, types };
  }

  it('records the issue on the deal, and refuses a change of currency while the quote is open', async () => {
    const w = await world();
    const quoteId = await w.draft();
    await w.issue(quoteId);
    expect(await w.types(opportunityStream(w.opportunityId))).toEqual(['OpportunityOpened', 'OpportunityQuoteIssued']);
    const before = await w.inner.headPosition();

    await expect(w.toUsd()).rejects.toMatchObject({
      code: 'OPPORTUNITY.QUOTE_OUTSTANDING',
      details: { quoteIds: [quoteId], fields: ['amount.currency'] },
    });
    expect(await w.inner.headPosition()).toEqual(before);
    // A stale If-Match is answered 412 first, as on every command.
    const stale = { ...w.fresh(), expectedRevision: 0 };
    await expect(
      new ReviseEstimateHandler(w.executor).execute(
        new ReviseEstimateCommand(w.opportunityId, { amount: { amount: 25, currency: 'USD' } }, stale),
      ),
    ).rejects.toMatchObject({ name: 'WrongExpectedRevisionError' });
    // The amount alone, in the deal's currency, still changes.
    await new ReviseEstimateHandler(w.executor).execute(
      new ReviseEstimateCommand(w.opportunityId, { amount: { amount: 2_000_000, currency: 'IRR' } }, w.fresh()),
    );
  });

  it('lets the currency change once the quote is rejected, revised back to a draft, or past its validity', async () => {
    const rejected = await world();
    const first = await rejected.draft();
    await rejected.issue(first);
    await new RejectQuoteHandler(rejected.executor).execute(new RejectQuoteCommand(first, { reason: 'گران است' }, rejected.fresh()));
    await expect(rejected.toUsd()).resolves.toMatchObject({ id: rejected.opportunityId });

    const revised = await world();
    const second = await revised.draft();
    await revised.issue(second);
    await new ReviseQuoteHandler(revised.executor).execute(new ReviseQuoteCommand(second, { validUntil: '2026-02-15' }, revised.fresh()));
    await expect(revised.toUsd()).resolves.toMatchObject({ id: revised.opportunityId });
    // Issued again, the draft is checked against the deal's new currency.
    await expect(revised.issue(second)).rejects.toMatchObject({ code: 'OPPORTUNITY.CURRENCY_MISMATCH' });

    const expired = await world();
    const third = await expired.draft();
    await expired.issue(third);
    expired.clock.set('2026-02-02T00:00:00.000Z');
    await expect(expired.toUsd()).resolves.toMatchObject({ id: expired.opportunityId });
  });

  it('refuses the issue when the change of currency commits between its check and its append', async () => {
    const w = await world();
    const quoteId = await w.draft();
    const { executor, raced } = w.racing(() => w.toUsd());
    await expect(w.issue(quoteId, executor)).rejects.toMatchObject({ code: 'OPPORTUNITY.CURRENCY_MISMATCH' });
    expect(raced.times).toBe(1);
    expect(await w.types(quoteStream(quoteId))).toEqual(['QuoteCreated']);
    expect(await w.types(opportunityStream(w.opportunityId))).toEqual(['OpportunityOpened', 'OpportunityEstimateRevised']);
  });

  it('refuses the change of currency when an issue commits between its check and its append', async () => {
    const w = await world();
    const quoteId = await w.draft();
    const { executor, raced } = w.racing(() => w.issue(quoteId));
    await expect(w.toUsd(executor)).rejects.toMatchObject({ code: 'OPPORTUNITY.QUOTE_OUTSTANDING' });
    expect(raced.times).toBe(1);
    expect(await w.types(opportunityStream(w.opportunityId))).toEqual(['OpportunityOpened', 'OpportunityQuoteIssued']);
    expect(await w.types(quoteStream(quoteId))).toEqual(['QuoteCreated', 'QuoteIssued']);
  });

  it('answers a retried issue from its record, and records the deal side once', async () => {
    const w = await world();
    const quoteId = await w.draft();
    // Sent under an Idempotency-Key: the command id is the caller's, and the request's fingerprint is kept with it.
    const context: CommandContext = { commandId: newId(), actor: ANONYMOUS, tenantId: DEFAULT_TENANT, fingerprint: 'f' };
    const handler = new IssueQuoteHandler(w.executor);
    const first = await handler.execute(new IssueQuoteCommand(quoteId, {}, context));
    const again = await handler.execute(new IssueQuoteCommand(quoteId, {}, context));
    expect(again).toEqual(first);
    expect(await w.types(opportunityStream(w.opportunityId))).toEqual(['OpportunityOpened', 'OpportunityQuoteIssued']);
  });
});
