import { isISO8601, ValidateBy, type ValidationArguments } from 'class-validator';
import { codePointLength, FIRST_YEAR, isBlank as isBlankText, isEmail, LAST_YEAR, normalizePhone, textFault } from '@crm/shared/kernel';

/**
 * A field's whole rule as one check, so a bad value gets one message that
 * says what is wrong with it ("is required", "must be at most 200
 * characters") rather than every rule it happens to break.
 */
export type Problem = (value: unknown, object: Readonly<Record<string, unknown>>) => string | undefined;

/**
 * The per-item check of a list field's constraint (`TextListField`), by constraint name: the list is checked whole
 * (what class-validator can do for a list of texts), and a list refused for its items is named item by item
 * (`actions.0`, `actions.2`) by the flattening of the errors (flattenValidationErrors). Before, only the first bad
 * item was named, as `actions` (an outside probe).
 */
export const ITEM_PROBLEMS = new Map<string, Problem>();

export function Check(name: string, problem: Problem): PropertyDecorator {
  const objectOf = (args?: ValidationArguments) => (args?.object ?? {}) as Readonly<Record<string, unknown>>;
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => problem(value, objectOf(args)) === undefined,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} ${problem(args?.value, objectOf(args)) ?? 'is invalid'}`,
    },
  });
}

/**
 * Forms send '' for a field left empty; the deciders read it as absent, so validation does too.
 * Blank is Persian-aware: only spaces, ZWNJ, tatweel or bidi marks read as nothing.
 * null is not blank: it is refused, never handed to a decider that expects a string.
 */
export function isBlank(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && isBlankText(value));
}

export const required =
  (then: Problem): Problem =>
  (value, object) =>
    value === undefined ? 'is required' : then(value, object);

/** Lengths count code points, as the OpenAPI `maxLength` a client validates against does. */
export function textProblem(maxLength: number, notBlank: boolean): Problem {
  return (value) => {
    if (typeof value !== 'string') return 'must be a string';
    if (codePointLength(value) > maxLength) return `must be at most ${maxLength} characters`;
    const fault = textFault(value);
    if (fault) return fault;
    return notBlank && isBlankText(value) ? 'must not be blank (spaces, ZWNJ and direction marks alone read as nothing)' : undefined;
  };
}

// Line breaks (CR, LF, and Unicode's line and paragraph separators) and tabs: what a CSV, a log line or a form's
// single-line input would split on or mangle.
const LINE_BREAK_OR_TAB = /[\t\n\r\u2028\u2029]/;

/** One line of text (a name, a label, an id): `textProblem`, and no line break or tab. */
export function lineProblem(maxLength: number): Problem {
  const text = textProblem(maxLength, true);
  return (value, object) => {
    const problem = text(value, object);
    if (problem !== undefined) return problem;
    return LINE_BREAK_OR_TAB.test(value as string) ? 'must be one line: no line break or tab' : undefined;
  };
}

function isPhone(value: string): boolean {
  try {
    normalizePhone(value);
    return true;
  } catch {
    return false;
  }
}

/** Any common spelling of an Iranian number (Persian digits too) or an international one; the kernel decides. */
export function phoneProblem(maxLength: number): Problem {
  return (value) =>
    value === undefined || (typeof value === 'string' && codePointLength(value) <= maxLength && !textFault(value) && isPhone(value))
      ? undefined
      : `must be a phone number of at most ${maxLength} characters, e.g. 0912 123 4567 or +98 912 123 4567`;
}

export function emailProblem(maxLength: number): Problem {
  return (value) =>
    value === undefined || (typeof value === 'string' && codePointLength(value) <= maxLength && !textFault(value) && isEmail(value))
      ? undefined
      : `must be an email address of at most ${maxLength} characters`;
}

/** Blank is fine here unless `other` is blank too: each of the pair then names the rule. */
export const orRequired =
  (other: string, then: Problem): Problem =>
  (value, object) =>
    isBlank(value) && isBlank(object[other]) ? `or ${other} is required` : then(value, object);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuidProblem: Problem = (value) => (typeof value === 'string' && UUID.test(value) ? undefined : 'must be a UUID');

export const enumProblem =
  (values: readonly string[]): Problem =>
  (value) =>
    typeof value === 'string' && values.includes(value) ? undefined : `must be one of ${values.join(', ')}`;

export const intProblem =
  (min: number, max: number): Problem =>
  (value) =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
      ? undefined
      : `must be an integer from ${min} to ${max}`;

export const booleanProblem: Problem = (value) => (typeof value === 'boolean' ? undefined : 'must be true or false');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * What `timeProblem` accepts, as the patterns the OpenAPI document publishes (ECMA-262, no flags): a calendar date in
 * the years FIRST_YEAR–LAST_YEAR, and a time of day (seconds and up to 9 decimals optional) with its offset (Z, ±hh:mm
 * or ±hhmm). Beyond a pattern, the day must exist (no 2025-02-30).
 */
const YEAR_MONTH_DAY = '(?:19|2[01])\\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])';
const TIME_AND_OFFSET = 'T(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?(?:[Zz]|[+-](?:[01]\\d|2[0-3]):?[0-5]\\d)';
export const DATE_PATTERN = `^${YEAR_MONTH_DAY}$`;
export const INSTANT_PATTERN = `^${YEAR_MONTH_DAY}${TIME_AND_OFFSET}$`;
export const DATE_OR_INSTANT_PATTERN = `^${YEAR_MONTH_DAY}(?:${TIME_AND_OFFSET})?$`;

export { FIRST_YEAR, LAST_YEAR };
const withinYears = (value: string) => {
  const year = Number(value.slice(0, 4));
  return year >= FIRST_YEAR && year <= LAST_YEAR;
};

/** A date or instant whose written year is outside FIRST_YEAR–LAST_YEAR; other shapes are someone else's to judge. */
export const yearsProblem: Problem = (value) =>
  typeof value !== 'string' || !/^\d{4}-/.test(value) || withinYears(value)
    ? undefined
    : `must fall in the years ${FIRST_YEAR}–${LAST_YEAR}`;

/**
 * `date`: a calendar date ('2025-03-20', lasting all that day) or an instant;
 * `instant`: a timestamp that names its offset — without one, "10:00" is a
 * different instant on every server.
 */
export const timeProblem =
  (kind: 'date' | 'instant'): Problem =>
  (value) => {
    const valid =
      typeof value === 'string' && isISO8601(value, { strict: true }) && (INSTANT.test(value) || (kind === 'date' && DATE.test(value)));
    // As written and once its offset is applied: 2199-12-31T23:00-23:59 is kept as an instant in 2200.
    if (valid && !(withinYears(value) && withinYears(new Date(Date.parse(value)).toISOString())))
      return `must fall in the years ${FIRST_YEAR}–${LAST_YEAR}, as written and in UTC`;
    if (valid) return undefined;
    // What the published pattern takes (years, months, days 01–31, hours, offsets in range), but no such day
    // (2026-02-30, 2025-04-31): said as such, not as a shape to follow. The value is at most 35 characters of [0-9T:.Z+-].
    if (typeof value === 'string' && new RegExp(kind === 'date' ? DATE_OR_INSTANT_PATTERN : INSTANT_PATTERN).test(value))
      return `must be a real calendar day: ${value.slice(0, 10)} does not exist`;
    return kind === 'date'
      ? 'must be a date (2025-03-20) or a time with its offset (2025-03-20T10:00:00+03:30)'
      : 'must be a time with its offset, e.g. 2025-03-20T10:00:00+03:30';
  };
