import { CommandRequestDto, NestedListField, TimeField } from '@crm/shared/http';
import { QuoteLineDto } from '../quote-line.dto';

/** New lines, a new validity or both (QUOTE.NOTHING_TO_REVISE otherwise); the rest carries over. */
export class ReviseQuoteRequestDto extends CommandRequestDto {
  @NestedListField(() => QuoteLineDto, 200, { optional: true })
  lines?: QuoteLineDto[];

  @TimeField('date', { optional: true })
  validUntil?: string;
}
