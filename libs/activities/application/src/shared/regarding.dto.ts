import { REGARDING_TYPES, type Regarding, type RegardingType } from '@crm/activities/domain';
import { EnumField, IdField } from '@crm/shared/http';

/** `{ type, id }` (API.md `regarding`): any record of the CRM, by its stream category and id. */
export class RegardingDto {
  @EnumField(REGARDING_TYPES, { example: 'opportunity' })
  type!: RegardingType;

  @IdField()
  id!: string;
}

export function toRegarding(dto: RegardingDto): Regarding {
  return { type: dto.type, id: dto.id };
}
