import { CommandRequestDto, ContactPointField, EnumField, LineField } from '@crm/shared/http';
import { CONTACT_CHANNELS, type ContactChannel } from '@crm/sales/domain';

/** Any of the fields; what is absent stays as it is. A field given blank is refused (API.md): nothing is cleared this way. */
export class UpdateContactRequestDto extends CommandRequestDto {
  @LineField(200, { optional: true })
  fullName?: string;

  @ContactPointField('email', 254)
  email?: string;

  @ContactPointField('phone', 40)
  phone?: string;

  @EnumField(CONTACT_CHANNELS, { optional: true })
  preferredChannel?: ContactChannel;
}
