import { CommandRequestDto, NationalIdField, IdField, TextField } from '@crm/shared/http';

export class OpenAccountRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen account id; the server makes one otherwise' })
  id?: string;

  @TextField(200, { example: 'شرکت فولاد مبارکه' })
  name!: string;

  @NationalIdField({
    optional: true,
    description:
      'National id: an individual’s کد ملی (10 digits) or a legal entity’s شناسه ملی (11); Persian or Arabic-Indic digits accepted, kept in Latin',
  })
  nationalId?: string;

  @TextField(100, { optional: true })
  industry?: string;

  @TextField(100, { optional: true })
  ownerId?: string;
}
