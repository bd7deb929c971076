import { DomainError } from '@crm/shared/event-sourcing';
import { matchKey } from '@crm/shared/kernel';
import { distinct } from '../common/text';
import { LIST_CRITERIA_FIELDS, type CriteriaCondition, type ListCriteria, type ListMemberType } from './marketing-list.commands';
import { LIST_REFUSALS } from './marketing-list.refusals';

const MATCH_MODES: readonly string[] = ['all', 'any'];
const OPERATORS: readonly string[] = ['eq', 'neq', 'in', 'contains'];

const at = (index: number, part: keyof CriteriaCondition): string => `criteria.conditions.${index}.${part}`;

/**
 * The stored form of a value: `contains` compares matchKeys, so the key is what the
 * audience projection needs (however the marketer typed ي/ی or ZWNJ); `in` drops
 * repeats; an empty result is no value at all. Undefined means the value is unusable.
 */
function storedValue({ operator, value }: CriteriaCondition): CriteriaCondition['value'] | undefined {
  if (operator === 'in') {
    if (!Array.isArray(value)) return undefined;
    const values = (value as readonly unknown[]).map((item) => (typeof item === 'string' ? item.trim() : ''));
    return values.length === 0 || values.includes('') ? undefined : distinct(values);
  }
  if (typeof value !== 'string') return undefined;
  const stored = operator === 'contains' ? matchKey(value) : value.trim();
  return stored === '' ? undefined : stored;
}

/**
 * Checks criteria against the member type and returns them as stored. Problems with
 * the input itself are errors naming every bad field (`details.fields`: HTTP 400),
 * one code per kind of problem so a caller can tell them apart.
 */
export function normalizeCriteria(criteria: ListCriteria, memberType: ListMemberType): ListCriteria {
  if (!MATCH_MODES.includes(criteria.match)) {
    throw new DomainError(LIST_REFUSALS.CRITERIA_INVALID, 'Criteria match either all or any of their conditions', {
      fields: ['criteria.match'],
    });
  }
  const conditions = Array.isArray(criteria.conditions) ? criteria.conditions : [];
  if (conditions.length === 0) {
    throw new DomainError(LIST_REFUSALS.CRITERIA_EMPTY, 'A dynamic list needs at least one condition', { fields: ['criteria.conditions'] });
  }

  const allowed = LIST_CRITERIA_FIELDS[memberType];
  const unknown = conditions.flatMap((condition, index) => (allowed.includes(condition.field) ? [] : [at(index, 'field')]));
  if (unknown.length > 0) {
    throw new DomainError(LIST_REFUSALS.CRITERIA_FIELD_UNKNOWN, `A ${memberType} list can select on ${allowed.join(', ')}`, {
      fields: unknown,
      memberType,
      allowed,
    });
  }

  const stored = conditions.map((condition) => ({
    ...condition,
    value: OPERATORS.includes(condition.operator) ? storedValue(condition) : undefined,
  }));
  const invalid = stored.flatMap((condition, index) => {
    if (!OPERATORS.includes(condition.operator)) return [at(index, 'operator')];
    return condition.value === undefined ? [at(index, 'value')] : [];
  });
  if (invalid.length > 0) {
    throw new DomainError(
      LIST_REFUSALS.CRITERIA_VALUE_INVALID,
      `Operators are ${OPERATORS.join(', ')}; "in" takes a non-empty list of values, the others one non-blank value`,
      { fields: invalid },
    );
  }
  return {
    match: criteria.match,
    conditions: stored.map(({ field, operator, value }) => ({ field, operator, value: value as CriteriaCondition['value'] })),
  };
}
