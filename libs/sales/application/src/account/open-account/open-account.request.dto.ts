import { CommandRequestDto, IdField, LineField, NationalIdField } from '@crm/shared/http';

export class OpenAccountRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen account id; the server makes one otherwise' })
  id?: string;

  @LineField(200, { example: 'شرکت فولاد مبارکه' })
  name!: string;

  @NationalIdField({
    optional: true,
    description:
      'National id: an individual’s کد ملی (10 digits) or a legal entity’s شناسه ملی (11); Persian or Arabic-Indic digits accepted, kept in Latin',
  })
  nationalId?: string;

  @LineField(100, { optional: true })
  industry?: string;

  @LineField(100, { optional: true })
  ownerId?: string;
}
