import { DomainError, loadState, type EventStore } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { OPPORTUNITY_REFUSALS, opportunityDecider } from '@crm/sales/domain';
import { opportunityStream } from '../common/streams';

/**
 * A quote is an offer on an open deal: none is written, revised or issued on a
 * won or lost one (reopen it first), and it is priced in the deal's currency,
 * so accepting it can win the deal.
 */
export async function requireOpenDeal(store: EventStore, opportunityId: string, tenantId: string, currency?: string): Promise<void> {
  const deal = await loadState(store, opportunityDecider, opportunityStream(opportunityId), tenantId);
  if (deal.status === 'none') {
    throw new DomainError(NOT_FOUND.opportunity, `opportunity ${opportunityId} does not exist`, {
      fields: ['opportunityId'],
      id: opportunityId,
    });
  }
  if (deal.status !== 'open') {
    throw new DomainError(OPPORTUNITY_REFUSALS.CLOSED, `The opportunity is ${deal.status}; reopen it before quoting`, {
      opportunityId,
      status: deal.status,
    });
  }
  if (currency !== undefined && currency !== deal.deal.amount.currency) {
    throw new DomainError(
      OPPORTUNITY_REFUSALS.CURRENCY_MISMATCH,
      `The opportunity is in ${deal.deal.amount.currency}, the quote in ${currency}`,
      {
        opportunityId,
        dealCurrency: deal.deal.amount.currency,
        currency,
      },
    );
  }
}

/**
 * The one currency quote lines are priced in, to check against the deal's; undefined for lines in several, which the
 * quote's decider refuses itself (400 QUOTE.MIXED_CURRENCY naming each line), not as a deal in another currency.
 */
export function linesCurrency(lines: readonly { readonly unitPrice: { readonly currency: string } }[]): string | undefined {
  const currencies = new Set(lines.map((line) => line.unitPrice.currency));
  return currencies.size === 1 ? [...currencies][0] : undefined;
}
