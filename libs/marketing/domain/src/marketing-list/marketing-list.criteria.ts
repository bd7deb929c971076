import { DomainError } from '@crm/shared/event-sourcing';
import { isBlank, matchKey } from '@crm/shared/kernel';
import { distinct } from '../common/text';
import { LIST_CRITERIA_FIELDS, type CriteriaCondition, type ListCriteria, type ListMemberType } from './marketing-list.commands';
import { LIST_REFUSALS } from './marketing-list.refusals';

const MATCH_MODES: readonly string[] = ['all', 'any'];
const OPERATORS: readonly string[] = ['eq', 'neq', 'in', 'contains'];

const at = (index: number, part: keyof CriteriaCondition): string => `criteria.conditions.${index}.${part}`;

/**
 * Criteria fields whose values are record ids (a lead's campaign, a contact's account). Ids are kept in lower case
 * everywhere (a lead captured with an upper-case campaignId is stored lower-case), so an id in capitals would select
 * nobody: stored lower-case; a value that is no UUID is refused, as it would select nobody either. `contains` on an
 * id compares matchKeys, as on any field.
 */
export const ID_CRITERIA_FIELDS: readonly string[] = ['campaignId', 'accountId'];
/**
 * Criteria fields holding free text people type (names, company, industry): `eq`, `neq` and `in` compare them as
 * `normalizePersian` spells them (Arabic ي/ك as Persian ی/ک, digits, case, ZWNJ and spacing), as `contains` compares
 * matchKeys; the other fields hold codes and ids, compared as stored.
 */
export const TEXT_CRITERIA_FIELDS: readonly string[] = ['company', 'industry', 'name', 'fullName'];
/** Part of a record id, for `contains`. */
const ID_PART = /^[0-9a-f-]*[0-9a-f][0-9a-f-]*$/i;
/** A record id as the edge takes one (any UUID, in either case). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One value as stored, undefined when unusable: blank (spaces, ZWNJ and marks alone read as nothing), or no UUID for an id. */
function storedOne(field: string, one: unknown): string | undefined {
  if (typeof one !== 'string' || isBlank(one)) return undefined;
  const value = one.trim();
  if (!ID_CRITERIA_FIELDS.includes(field)) return value;
  return UUID.test(value) ? value.toLowerCase() : undefined;
}

/**
 * The stored form of a value: `contains` compares matchKeys, so the key is what the
 * audience projection needs (however the marketer typed ي/ی or ZWNJ); `in` drops
 * repeats; an empty result is no value at all. Undefined means the value is unusable.
 */
function storedValue({ field, operator, value }: CriteriaCondition): CriteriaCondition['value'] | undefined {
  if (operator === 'in') {
    if (!Array.isArray(value)) return undefined;
    const values = (value as readonly unknown[]).map((item) => storedOne(field, item));
    return values.length === 0 || values.includes(undefined) ? undefined : distinct(values as string[]);
  }
  if (typeof value !== 'string') return undefined;
  if (operator !== 'contains') return storedOne(field, value);
  // Part of an id is hex digits and hyphens: other text could never match one.
  if (ID_CRITERIA_FIELDS.includes(field) && !ID_PART.test(value.trim())) return undefined;
  const stored = matchKey(value);
  return stored === '' ? undefined : stored;
}

const conditionsOf = (criteria: ListCriteria): readonly unknown[] =>
  typeof criteria === 'object' && criteria !== null && Array.isArray(criteria.conditions) ? criteria.conditions : [];

const fieldOf = (item: unknown): unknown =>
  typeof item === 'object' && item !== null ? (item as Partial<CriteriaCondition>).field : undefined;

/**
 * Every condition selecting on a field the member type does not have, named at once (400 LIST.CRITERIA_FIELD_UNKNOWN).
 * Asked by the edge too (AlsoChecks), so they are named beside the body's other bad fields.
 */
export function assertCriteriaFields(criteria: ListCriteria, memberType: ListMemberType): void {
  const allowed = LIST_CRITERIA_FIELDS[memberType];
  if (allowed === undefined) return;
  const unknown = conditionsOf(criteria).flatMap((item, index) => {
    const field = fieldOf(item);
    return typeof field === 'string' && allowed.includes(field) ? [] : [at(index, 'field')];
  });
  if (unknown.length > 0) {
    throw new DomainError(LIST_REFUSALS.CRITERIA_FIELD_UNKNOWN, `A ${memberType} list can select on ${allowed.join(', ')}`, {
      fields: unknown,
      memberType,
      allowed,
    });
  }
}

/** The conditions whose operator or value is unusable (unknown operator; blank value; an id that is no UUID), named. */
function shapeFaults(conditions: readonly unknown[]): string[] {
  return conditions.flatMap((item, index) => {
    if (typeof item !== 'object' || item === null) return [at(index, 'value')];
    const condition = item as CriteriaCondition;
    if (!OPERATORS.includes(condition.operator)) return [at(index, 'operator')];
    return storedValue(condition) === undefined ? [at(index, 'value')] : [];
  });
}

const VALUE_RULE = `Operators are ${OPERATORS.join(', ')}; "in" takes a non-empty list of values, the others one non-blank value; ${ID_CRITERIA_FIELDS.join(' and ')} take UUIDs (part of one with "contains")`;

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
  assertCriteriaFields(criteria, memberType);
  const invalid = shapeFaults(conditions);
  if (invalid.length > 0) throw new DomainError(LIST_REFUSALS.CRITERIA_VALUE_INVALID, VALUE_RULE, { fields: invalid });
  return {
    match: criteria.match,
    conditions: conditions.map(({ field, operator, value }) => ({
      field,
      operator,
      value: storedValue({ field, operator, value }) as CriteriaCondition['value'],
    })),
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
 * least one of the field's values. The same refusal names, in the same 400, every condition whose operator or value
 * is unusable otherwise (blank, an id that is no UUID): normalizeCriteria's, so all of them are named at once.
 * Conditions on a field the member type does not have are assertCriteriaFields' to name.
 */
export function assertCriteriaValues(criteria: ListCriteria, memberType: ListMemberType, valueSets: CriteriaValueSets): void {
  const sets = valueSets[memberType] ?? {};
  const conditions = conditionsOf(criteria);
  const shape = new Set(shapeFaults(conditions));
  const outside = conditions.flatMap((item, index) => {
    if (typeof item !== 'object' || item === null || shape.has(at(index, 'value')) || shape.has(at(index, 'operator'))) return [];
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
  if (outside.length > 0 || shape.size > 0) {
    const which = [...new Map(outside.map(({ name, allowed }) => [name, `${name}: ${allowed.join(', ')}`])).values()];
    const fields = [...shape, ...outside.map(({ field }) => field)].sort(byCondition);
    const rules = [
      ...(shape.size > 0 ? [VALUE_RULE] : []),
      ...(which.length > 0 ? [`A ${memberType} list selects on known values only (${which.join('; ')})`] : []),
    ];
    throw new DomainError(LIST_REFUSALS.CRITERIA_VALUE_INVALID, rules.join('. '), {
      fields,
      ...(outside.length === 0 ? {} : { allowed: Object.fromEntries(outside.map(({ name, allowed }) => [name, allowed])) }),
    });
  }
}

/** criteria.conditions.<n>.<part> in the order of the conditions. */
function byCondition(a: string, b: string): number {
  return Number(a.split('.')[2]) - Number(b.split('.')[2]) || a.localeCompare(b);
}
