import { CommandRequestDto, IntField, MoneyDto, NestedField, TimeField } from '@crm/shared/http';

/** Any of the figures; at least one (OPPORTUNITY.NOTHING_TO_REVISE otherwise). */
export class ReviseEstimateRequestDto extends CommandRequestDto {
  @NestedField(() => MoneyDto, { optional: true })
  amount?: MoneyDto;

  @IntField(0, 100, { optional: true })
  probability?: number;

  @TimeField('date', { optional: true })
  expectedCloseDate?: string;
}
