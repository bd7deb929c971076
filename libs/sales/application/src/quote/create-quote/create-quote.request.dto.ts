import { assertQuoteValidity } from '@crm/sales/domain';
import { AlsoChecks, CommandRequestDto, IdField, NestedListField, TimeField } from '@crm/shared/http';
import { ONE_CURRENCY, QuoteLineDto, TOTAL_KEPT_EXACTLY } from '../quote-line.dto';

@AlsoChecks(ONE_CURRENCY, TOTAL_KEPT_EXACTLY, {
  reads: ['validUntil'],
  check: ({ validUntil }, now) => {
    if (typeof validUntil === 'string') assertQuoteValidity(now, validUntil);
  },
})
export class CreateQuoteRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen quote id; the server makes one otherwise' })
  id?: string;

  @IdField()
  opportunityId!: string;

  @NestedListField(() => QuoteLineDto, 200)
  lines!: QuoteLineDto[];

  @TimeField('date', { description: 'Last day (or instant) the offer holds' })
  validUntil!: string;
}
