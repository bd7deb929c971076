import { CommandRequestDto, MoneyDto, NestedField, TextField, TimeField } from '@crm/shared/http';

export class RecordCampaignCostRequestDto extends CommandRequestDto {
  @NestedField(() => MoneyDto, { description: "More than zero, in the budget's currency" })
  amount!: MoneyDto;

  @TextField(500, { optional: true, example: 'هزینه ارسال ۵۰ هزار پیامک' })
  description?: string;

  @TimeField('instant', { optional: true, description: 'When the cost was incurred; now when absent. Late invoices are welcome.' })
  incurredAt?: string;
}
