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

/**
 * The values an enumerated criteria field can take, per member type (lead source, lead status, a contact's consent
 * channels…). They are defined by the contexts that own those records (sales), which this domain may not import:
 * the application hands them in, imported from where they are defined.
 */
export type CriteriaValueSets = Readonly<Record<ListMemberType, Readonly<Record<string, readonly string[]>>>>;

/**
 * A value of an enumerated field that is none of its values would select nobody, silently (`status eq "bogus"`),
 * or everybody (`neq`): refused, naming each such condition's value. `contains` needs a value that is part of at
 * least one of the field's values. Fields without a value set (names, ids, free text) and values of the wrong shape
 * (normalizeCriteria's to name) are not this check's concern.
 */
export function assertCriteriaValues(criteria: ListCriteria, memberType: ListMemberType, valueSets: CriteriaValueSets): void {
  const sets = valueSets[memberType] ?? {};
  const conditions: readonly unknown[] = Array.isArray(criteria.conditions) ? criteria.conditions : [];
  const invalid = conditions.flatMap((item, index) => {
    if (typeof item !== 'object' || item === null) return [];
    const { field, operator, value } = item as Partial<CriteriaCondition>;
    const allowed = typeof field === 'string' && Object.hasOwn(sets, field) ? sets[field] : undefined;
    if (allowed === undefined) return [];
    const values = (typeof value === 'string' ? [value] : Array.isArray(value) ? value : []).filter(
      (one): one is string => typeof one === 'string',
    );
    const fits =
      operator === 'contains'
        ? (one: string) => allowed.some((known) => matchKey(known).includes(matchKey(one)))
        : (one: string) => allowed.includes(one.trim());
    return values.every(fits) ? [] : [{ field: at(index, 'value'), name: field, allowed }];
  });
  if (invalid.length > 0) {
    const which = [...new Map(invalid.map(({ name, allowed }) => [name, `${name}: ${allowed.join(', ')}`])).values()];
    throw new DomainError(LIST_REFUSALS.CRITERIA_VALUE_INVALID, `A ${memberType} list selects on known values only (${which.join('; ')})`, {
      fields: invalid.map(({ field }) => field),
      allowed: Object.fromEntries(invalid.map(({ name, allowed }) => [name, allowed])),
    });
  }
}
