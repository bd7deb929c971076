import { CommandRequestDto, IdField, LineField, MoneyDto, NestedField, TextField, TimeField } from '@crm/shared/http';

export class OpenOpportunityRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen opportunity id; the server makes one otherwise' })
  id?: string;

  @IdField()
  accountId!: string;

  @LineField(200)
  name!: string;

  @TextField(2000, { description: "The customer's need" })
  need!: string;

  @NestedField(() => MoneyDto)
  amount!: MoneyDto;

  @TimeField('date')
  expectedCloseDate!: string;

  @IdField({ optional: true })
  contactId?: string;

  @LineField(100, { optional: true })
  ownerId?: string;

  @IdField({ optional: true, description: 'Campaign the deal is attributed to' })
  campaignId?: string;
}
