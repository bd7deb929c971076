import { BooleanField, CommandRequestDto, ContactPointField, LineField, TextField } from '@crm/shared/http';

/** Any of the fields; what is absent stays as it is. A field given blank is refused (API.md): nothing is cleared this way. */
export class UpdateLeadRequestDto extends CommandRequestDto {
  @LineField(200, { optional: true })
  fullName?: string;

  @LineField(200, { optional: true })
  company?: string;

  @ContactPointField('email', 254)
  email?: string;

  @ContactPointField('phone', 40)
  phone?: string;

  @TextField(2000, { optional: true })
  interest?: string;

  @BooleanField({ optional: true, description: 'Keep the change even if another open lead has this email or phone' })
  allowDuplicate?: boolean;
}
