import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { EnumField, isBlank, NestedListField, required, Check, type Problem } from '@crm/shared/http';
import { LIST_CRITERIA_FIELDS, type CriteriaOperator, type ListCriteria } from '@crm/marketing/domain';
import { CRITERIA_VALUES_DESCRIPTION } from './criteria-values';

const OPERATORS: readonly CriteriaOperator[] = ['eq', 'neq', 'in', 'contains'];
/** Every field any member type selects on; whether it fits this list's member type is the domain's call (a 400 naming the condition). */
const CRITERIA_FIELDS = [...new Set(Object.values(LIST_CRITERIA_FIELDS).flat())];
const MAX_VALUE_LENGTH = 200;
const MAX_IN_VALUES = 100;
export const MAX_CONDITIONS = 20;

// Blank as everywhere: spaces, ZWNJ and direction marks alone read as nothing (a value of only "\u200c" selects nobody).
const text = (value: unknown): boolean => typeof value === 'string' && !isBlank(value) && value.length <= MAX_VALUE_LENGTH;

/** `in` takes a list of values, every other operator one. */
const valueProblem: Problem = (value, condition) => {
  if (condition['operator'] !== 'in') {
    return text(value) ? undefined : `must be one non-blank string of at most ${MAX_VALUE_LENGTH} characters`;
  }
  const ok = Array.isArray(value) && value.length > 0 && value.length <= MAX_IN_VALUES && value.every(text);
  return ok ? undefined : `must be a list of 1 to ${MAX_IN_VALUES} non-blank strings of at most ${MAX_VALUE_LENGTH} characters`;
};

function CriteriaValueField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      description:
        'One value; for `in`, a list of values. `contains` matches normalised Persian text (spacing and punctuation ' +
        'aside); `eq`, `neq` and `in` on free text (company, industry, name, fullName) compare it in one spelling ' +
        '(Arabic ي/ك as ی/ک, Persian digits, case, ZWNJ and spacing). ' +
        `Enumerated fields take only their own values (${CRITERIA_VALUES_DESCRIPTION}); ` +
        'any other is refused (400 LIST.CRITERIA_VALUE_INVALID naming the condition), as it would select nobody.',
      oneOf: [
        { type: 'string', maxLength: MAX_VALUE_LENGTH },
        { type: 'array', items: { type: 'string', maxLength: MAX_VALUE_LENGTH }, minItems: 1, maxItems: MAX_IN_VALUES },
      ],
      example: 'فولاد',
    }),
    Check('criteriaValue', required(valueProblem)),
  );
}

export class CriteriaConditionDto {
  @EnumField(CRITERIA_FIELDS, {
    description:
      'lead: source, status, ownerId, campaignId, company; account: industry, ownerId, status, name; contact: accountId, preferredChannel, consent, fullName',
  })
  field!: string;

  @EnumField(OPERATORS)
  operator!: CriteriaOperator;

  @CriteriaValueField()
  value!: string | string[];
}

export class ListCriteriaDto {
  @EnumField(['all', 'any'], { description: 'all: every condition holds; any: at least one' })
  match!: 'all' | 'any';

  @NestedListField(() => CriteriaConditionDto, MAX_CONDITIONS)
  conditions!: CriteriaConditionDto[];
}

/** Plain objects, not DTO instances: this is what the event records. */
export function toCriteria(dto: ListCriteriaDto): ListCriteria {
  return { match: dto.match, conditions: dto.conditions.map(({ field, operator, value }) => ({ field, operator, value })) };
}
