import { CommandRequestDto } from '@crm/shared/http';
import { NestedField, TextField, TimeField } from '../../common/fields';
import { MoneyDto } from '../../common/money.dto';

export class RecordPurchaseRequestDto extends CommandRequestDto {
  @NestedField(() => MoneyDto)
  amount!: MoneyDto;

  @TimeField('instant')
  occurredAt!: string;

  @TextField(100, {
    example: 'INV-1403-00042',
    description: "The purchase's id in the source system (ERP invoice number): the same ref again records nothing",
  })
  externalRef!: string;
}
