import { CommandRequestDto, MoneyDto, NestedField } from '@crm/shared/http';

export class WinOpportunityRequestDto extends CommandRequestDto {
  @NestedField(() => MoneyDto, { description: 'The amount the deal was won for' })
  amount!: MoneyDto;
}
