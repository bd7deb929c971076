import type { Money } from '@crm/shared/kernel';
import type { QuoteEvent } from '@crm/sales/domain';

/**
 * The total a quote command recorded, from its events rather than the current
 * state, so a retried command's reply is the first reply even after later revisions.
 */
export function recordedTotal(events: readonly QuoteEvent[]): Money | undefined {
  for (const event of events) {
    if (event.type === 'QuoteCreated' || event.type === 'QuoteRevised' || event.type === 'QuoteIssued') return event.data.total;
  }
  return undefined;
}
