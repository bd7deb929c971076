import { applyDecorators } from '@nestjs/common';
import { type FieldOptions, LineField, NestedField } from './fields';
import { IsOneForm } from './one-form.validator';

/** People and teams come from the identity provider, so their ids are opaque text of at most this length. */
const MAX_PRINCIPAL_ID = 100;

/** `{ userId }` or `{ teamId }` (API.md `assignee`), for complaints and activities alike. */
export class AssigneeDto {
  @LineField(MAX_PRINCIPAL_ID, { optional: true, example: 'user-17' })
  userId?: string;

  @LineField(MAX_PRINCIPAL_ID, { optional: true, example: 'team-service-tehran' })
  teamId?: string;
}

const ASSIGNEE_FORMS = { userId: [], teamId: [] } as const;

/** A view's filter by one person's or team's id (an assignee, a deal's owner): checked as the commands check those ids. */
export function PrincipalIdFilter(description: string): PropertyDecorator {
  return LineField(MAX_PRINCIPAL_ID, { optional: true, description });
}

export function AssigneeField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    NestedField(() => AssigneeDto, options),
    IsOneForm(ASSIGNEE_FORMS, () => AssigneeDto),
  );
}

export function toAssignee(dto: AssigneeDto): { readonly userId: string } | { readonly teamId: string } {
  return dto.userId !== undefined ? { userId: dto.userId } : { teamId: dto.teamId ?? '' };
}
