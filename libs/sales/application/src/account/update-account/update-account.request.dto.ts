import { CommandRequestDto, LineField, NationalIdField } from '@crm/shared/http';

/** Any of the fields; what is absent stays as it is. A field given blank is refused (API.md): nothing is cleared this way. */
export class UpdateAccountRequestDto extends CommandRequestDto {
  @LineField(200, { optional: true })
  name?: string;

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
