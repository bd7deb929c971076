import { type CriteriaCondition, type ListCriteria, TEXT_CRITERIA_FIELDS } from '@crm/marketing/domain';
import { matchKey, normalizePersian } from '@crm/shared/kernel';
import type { AudienceDoc } from './audience.projection';

/** A record's values for a criteria field: none when it has no such attribute, several for `consent`. */
function valuesOf(doc: AudienceDoc, field: string): readonly string[] {
  const value: unknown = (doc as unknown as Record<string, unknown>)[field];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

const asList = (value: CriteriaCondition['value']): readonly string[] => (typeof value === 'string' ? [value] : value);

/** Free text compared with eq, neq or in: in one spelling on both sides (`contains` compares matchKeys of its own). */
const inOneSpelling = (condition: CriteriaCondition): boolean =>
  condition.operator !== 'contains' && TEXT_CRITERIA_FIELDS.includes(condition.field);

/** A condition's values as compared, worked out once per condition. */
const wantedOf = new WeakMap<CriteriaCondition, readonly string[]>();
function wantedValues(condition: CriteriaCondition): readonly string[] {
  let wanted = wantedOf.get(condition);
  if (wanted === undefined) {
    const values = asList(condition.value);
    wanted = inOneSpelling(condition) ? values.map(normalizePersian) : values;
    wantedOf.set(condition, wanted);
  }
  return wanted;
}

/**
 * One condition against one record. A multi-valued attribute (consent)
 * matches when any of its values does; `neq` holds when none equals the
 * value, so a record without the attribute is "not equal" (as MongoDB's $ne).
 * `contains` compares matchKeys, so Persian spelling variants still match; `eq`, `neq` and `in` on free text
 * (TEXT_CRITERIA_FIELDS) compare normalizePersian spellings, so an industry typed on an Arabic keyboard is equal.
 */
export function conditionHolds(doc: AudienceDoc, condition: CriteriaCondition): boolean {
  const wanted = wantedValues(condition);
  const values = inOneSpelling(condition) ? valuesOf(doc, condition.field).map(normalizePersian) : valuesOf(doc, condition.field);
  switch (condition.operator) {
    case 'eq':
      return values.some((value) => wanted.includes(value));
    case 'neq':
      return !values.some((value) => wanted.includes(value));
    case 'in':
      return values.some((value) => wanted.includes(value));
    case 'contains': {
      const keys = values.map(matchKey);
      return wanted.some((needle) => keys.some((key) => key.includes(needle)));
    }
    default: {
      const _exhaustive: never = condition.operator;
      return _exhaustive;
    }
  }
}

/** Whether a record of the list's member type belongs to a dynamic list now. */
export function matchesCriteria(doc: AudienceDoc, criteria: ListCriteria): boolean {
  const holds = (condition: CriteriaCondition) => conditionHolds(doc, condition);
  return criteria.match === 'all' ? criteria.conditions.every(holds) : criteria.conditions.some(holds);
}
