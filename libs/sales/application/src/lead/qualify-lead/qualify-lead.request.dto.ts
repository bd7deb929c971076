import { CommandRequestDto, IdField, LineField, MoneyDto, NestedField, TextField, TimeField } from '@crm/shared/http';

export class QualifiedOpportunityDto {
  @LineField(200, { example: 'ورق فولادی برای خط تولید' })
  name!: string;

  @NestedField(() => MoneyDto)
  estimatedValue!: MoneyDto;

  @TimeField('date')
  expectedCloseDate!: string;

  @TextField(2000, {
    optional: true,
    description:
      "The customer's need, kept in clear with the deal (a business record); defaults to the deal's name, never to the lead's interest, which is sealed with the lead",
  })
  need?: string;
}

export class QualifyLeadRequestDto extends CommandRequestDto {
  @NestedField(() => QualifiedOpportunityDto)
  opportunity!: QualifiedOpportunityDto;

  @IdField({ optional: true, description: 'An existing contact to use instead of creating one' })
  contactId?: string;

  @IdField({ optional: true, description: 'An existing account to use instead of opening one' })
  accountId?: string;

  @LineField(200, { optional: true, description: "Name of the new account; defaults to the lead's company, else its name" })
  accountName?: string;
}
