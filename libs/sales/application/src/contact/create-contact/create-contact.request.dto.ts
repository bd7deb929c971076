import { CommandRequestDto, ContactPointField, EnumField, IdField, LineField } from '@crm/shared/http';
import { CONTACT_CHANNELS, type ContactChannel } from '@crm/sales/domain';

export class CreateContactRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen contact id; the server makes one otherwise' })
  id?: string;

  @LineField(200, { example: 'مریم احمدی' })
  fullName!: string;

  @ContactPointField('email', 254)
  email?: string;

  @ContactPointField('phone', 40, { example: '۰۹۱۲۱۲۳۴۵۶۷' })
  phone?: string;

  @IdField({ optional: true, description: 'The account (company) the person belongs to' })
  accountId?: string;

  @EnumField(CONTACT_CHANNELS, { optional: true })
  preferredChannel?: ContactChannel;
}
