import { CommandRequestDto } from '@crm/shared/http';
import { NestedField } from '../../common/fields';
import { MoneyDto } from '../../common/money.dto';

export class WinOpportunityRequestDto extends CommandRequestDto {
  @NestedField(() => MoneyDto, { description: 'The amount the deal was won for' })
  amount!: MoneyDto;
}
