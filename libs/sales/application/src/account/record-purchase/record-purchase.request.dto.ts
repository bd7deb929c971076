import { assertPurchaseTime } from '@crm/sales/domain';
import { AlsoChecks, CommandRequestDto, LineField, MoneyDto, NestedField, TimeField } from '@crm/shared/http';

@AlsoChecks({
  reads: ['occurredAt'],
  check: ({ occurredAt }, now) => {
    if (typeof occurredAt === 'string') assertPurchaseTime(occurredAt, now);
  },
})
export class RecordPurchaseRequestDto extends CommandRequestDto {
  @NestedField(() => MoneyDto)
  amount!: MoneyDto;

  @TimeField('instant')
  occurredAt!: string;

  @LineField(100, {
    example: 'INV-1403-00042',
    description: "The purchase's id in the source system (ERP invoice number): the same ref again records nothing",
  })
  externalRef!: string;
}
