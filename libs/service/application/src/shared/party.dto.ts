import { applyDecorators } from '@nestjs/common';
import type { Party, RelatedTo } from '@crm/service/domain';
import { MAX, RELATED_TYPES } from './vocabulary';
import { ContactPointField, EnumField, type FieldOptions, IdField, IsOneForm, LineField, NestedField } from '@crm/shared/http';

/** `{ contactId }`, `{ accountId }` or, for someone not yet on file, `{ name, phone?, email? }`. */
export class PartyDto {
  @IdField({ optional: true, description: 'A contact (natural person) on file' })
  contactId?: string;

  @IdField({ optional: true, description: 'An account (legal entity) on file' })
  accountId?: string;

  @LineField(MAX.name, { optional: true, description: 'Someone not yet on file', example: 'رضا کریمی' })
  name?: string;

  @ContactPointField('phone', MAX.phone, {
    description: 'Iranian forms (09…, +98…, 0098…, Persian digits) or E.164',
    example: '۰۹۱۲ ۱۲۳ ۴۵۶۷',
  })
  phone?: string;

  @ContactPointField('email', MAX.email)
  email?: string;
}

const PARTY_FORMS = { contactId: [], accountId: [], name: ['phone', 'email'] } as const;

export function PartyField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    NestedField(() => PartyDto, options),
    IsOneForm(PARTY_FORMS, () => PartyDto),
  );
}

export function toParty(dto: PartyDto): Party {
  if (dto.contactId !== undefined) return { contactId: dto.contactId };
  if (dto.accountId !== undefined) return { accountId: dto.accountId };
  // The edge guarantees a name here; an empty one still meets the domain's NAME_REQUIRED.
  return {
    name: dto.name ?? '',
    ...(dto.phone === undefined ? {} : { phone: dto.phone }),
    ...(dto.email === undefined ? {} : { email: dto.email }),
  };
}

export class RelatedToDto {
  @EnumField(RELATED_TYPES)
  type!: RelatedTo['type'];

  @IdField()
  id!: string;
}

export function toRelatedTo(dto: RelatedToDto | undefined): RelatedTo | undefined {
  return dto === undefined ? undefined : { type: dto.type, id: dto.id };
}
