import { assertQuoteValidity } from '@crm/sales/domain';
import { AlsoChecks, CommandRequestDto, NestedListField, TimeField } from '@crm/shared/http';
import { ONE_CURRENCY, QuoteLineDto, TOTAL_KEPT_EXACTLY } from '../quote-line.dto';

/** New lines, a new validity or both (QUOTE.NOTHING_TO_REVISE otherwise); the rest carries over. */
@AlsoChecks(ONE_CURRENCY, TOTAL_KEPT_EXACTLY, {
  reads: ['validUntil'],
  check: ({ validUntil }, now) => {
    if (typeof validUntil === 'string') assertQuoteValidity(now, validUntil);
  },
})
export class ReviseQuoteRequestDto extends CommandRequestDto {
  @NestedListField(() => QuoteLineDto, 200, { optional: true })
  lines?: QuoteLineDto[];

  @TimeField('date', { optional: true })
  validUntil?: string;
}
