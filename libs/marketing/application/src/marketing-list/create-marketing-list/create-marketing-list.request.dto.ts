import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateIf, ValidateNested } from 'class-validator';
import { AlsoChecks, Check, CommandRequestDto, EnumField, IdField, LineField, TextField } from '@crm/shared/http';
import { assertCriteriaFields, assertListName, type ListCriteria, type ListKind, type ListMemberType } from '@crm/marketing/domain';
import { assertKnownCriteriaValues, CRITERIA_VALUE_SETS } from '../criteria-values';
import { ListCriteriaDto } from '../list-criteria.dto';

const isMemberType = (value: unknown): value is ListMemberType => typeof value === 'string' && Object.hasOwn(CRITERIA_VALUE_SETS, value);

const dynamicCriteria = ({ memberType, kind, criteria }: Record<string, unknown>): [ListCriteria, ListMemberType] | undefined =>
  kind === 'dynamic' && isMemberType(memberType) && typeof criteria === 'object' && criteria !== null && !Array.isArray(criteria)
    ? [criteria as ListCriteria, memberType]
    : undefined;

// Each rule names every condition it refuses, and reads the conditions whatever the field checks refused in them (a
// blank value, an unknown operator): so one 400 names every bad condition, an unknown field beside a bad value.
@AlsoChecks(
  {
    reads: ['memberType', 'kind'],
    check: (body) => {
      const given = dynamicCriteria(body);
      if (given) assertCriteriaFields(...given);
    },
  },
  {
    reads: ['memberType', 'kind'],
    check: (body) => {
      const given = dynamicCriteria(body);
      if (given) assertKnownCriteriaValues(...given);
    },
  },
  {
    reads: ['name'],
    check: ({ name }) => {
      if (typeof name === 'string') assertListName(name);
    },
  },
)
export class CreateMarketingListRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen list id; the server makes one otherwise' })
  id?: string;

  @LineField(200, { example: 'مشتریان صنعت فولاد' })
  name!: string;

  @EnumField(['account', 'contact', 'lead'], { description: 'What the list holds: one kind of record per list' })
  memberType!: ListMemberType;

  @EnumField(['static', 'dynamic'], { description: 'static: members added by hand; dynamic: whoever matches the criteria' })
  kind!: ListKind;

  @ApiPropertyOptional({ type: () => ListCriteriaDto, description: 'Required for a dynamic list, refused for a static one' })
  // Checked when given, and when missing from a dynamic list; absent from a static list is the normal case.
  @ValidateIf((list: Partial<CreateMarketingListRequestDto>, value: unknown) => value !== undefined || list.kind === 'dynamic')
  @Check('criteria', (value, list) => {
    if (list['kind'] === 'static') return 'is only for dynamic lists; a static list takes members by hand';
    if (value === undefined) return 'is required for a dynamic list';
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be an object { match, conditions }';
  })
  @ValidateNested()
  @Type(() => ListCriteriaDto)
  criteria?: ListCriteriaDto;

  @TextField(1000, { optional: true })
  description?: string;

  @LineField(100, { optional: true })
  ownerId?: string;
}
