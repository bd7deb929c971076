import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateIf, ValidateNested } from 'class-validator';
import { nationalIdFault, oneSpelling, toAsciiDigits } from '@crm/shared/kernel';
import {
  booleanProblem,
  Check,
  DATE_OR_INSTANT_PATTERN,
  emailProblem,
  enumProblem,
  FIRST_YEAR,
  INSTANT_PATTERN,
  LAST_YEAR,
  intProblem,
  ITEM_PROBLEMS,
  lineProblem,
  orRequired,
  phoneProblem,
  required,
  textProblem,
  timeProblem,
  uuidProblem,
  type Problem,
} from './validators';
import { ANY_DIGIT_SCRIPT_TEXT, inAnyDigitScript } from './query-fields';

/**
 * One decorator per kind of field: the OpenAPI schema and the validation
 * rule come from the same place, so the documented limits are the enforced ones.
 */
export interface FieldOptions {
  readonly optional?: boolean;
  readonly description?: string;
  readonly example?: unknown;
}

function documented(options: FieldOptions, schema: Record<string, unknown>): PropertyDecorator {
  const { optional, description, example } = options;
  const doc = { description, example, ...schema };
  return optional ? ApiPropertyOptional(doc) : ApiProperty(doc);
}

/** An optional field may be absent, but null is checked (and refused) rather than waved through. */
const absentOk = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);

function checked(name: string, options: FieldOptions, problem: Problem): PropertyDecorator {
  return options.optional ? applyDecorators(absentOk(), Check(name, problem)) : Check(name, required(problem));
}

/**
 * Text, required unless `optional`. Given, it is never blank (API.md): an optional field sent blank is refused, not
 * taken for absent, so a client that means to clear a field hears that it cannot instead of believing it did.
 */
export function TextField(maxLength: number, options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(documented(options, { type: String, maxLength }), checked('text', options, textProblem(maxLength, true)));
}

/** What a `LineField` may hold, as the OpenAPI document publishes it (ECMA-262): no line break or tab. */
export const LINE_PATTERN = '^[^\\t\\n\\r\\u2028\\u2029]*$';

/**
 * One line of text, required unless `optional`: a name, a label, a subject, an id. As `TextField`, and no line break
 * or tab (CR, LF, U+2028, U+2029, TAB), which would split the value in a CSV export, a log line or a form; free text
 * (descriptions, notes, reasons) is a `TextField` and keeps its lines.
 */
export function LineField(maxLength: number, options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: String, maxLength, pattern: LINE_PATTERN }),
    checked('line', options, lineProblem(maxLength)),
  );
}

/** A list of texts (corrective actions): each one checked as a required `TextField` is, the list at most `maxItems`. */
export function TextListField(maxItems: number, maxLength: number, options: FieldOptions = {}): PropertyDecorator {
  const each = textProblem(maxLength, true);
  const name = `textListItems:${maxLength}`;
  ITEM_PROBLEMS.set(name, each);
  const problem: Problem = (value) => {
    if (!Array.isArray(value)) return 'must be an array of texts';
    if (value.length > maxItems) return `must hold at most ${maxItems} items`;
    for (const [index, item] of value.entries()) {
      const fault = each(item, {});
      if (fault) return `item ${index} ${fault}`;
    }
    return undefined;
  };
  return applyDecorators(
    documented(options, { type: [String], maxItems, items: { type: 'string', maxLength } }),
    checked(name, options, problem),
  );
}

/** A national id in Persian, Arabic-Indic or Latin digits: 10 (a person's کد ملی) or 11 (a legal entity's شناسه ملی). */
export const NATIONAL_ID_PATTERN = '^[0-9\u06F0-\u06F9\u0660-\u0669]{10,11}$';
const NATIONAL_ID = new RegExp(NATIONAL_ID_PATTERN);
const nationalIdProblem: Problem = (value) => {
  if (typeof value !== 'string' || !NATIONAL_ID.test(value))
    return 'must be a national id: 10 digits (a person’s کد ملی) or 11 (a legal entity’s شناسه ملی), Persian, Arabic-Indic or Latin, nothing else';
  const fault = nationalIdFault(toAsciiDigits(value));
  return fault === undefined ? undefined : `must be a national id, and this one ${fault}`;
};

/**
 * An account's national id (digits only, see NATIONAL_ID_PATTERN), its check digit checked (`nationalIdFault`);
 * stored in Latin digits.
 */
export function NationalIdField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: String, pattern: NATIONAL_ID_PATTERN }),
    checked('nationalId', options, nationalIdProblem),
  );
}

/** Stream ids are case-sensitive: a UUID is kept in lower case whichever way it was typed. */
export function IdField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: String, format: 'uuid' }),
    checked('uuid', options, uuidProblem),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value)),
  );
}

export function EnumField(values: readonly string[], options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(documented(options, { enum: values }), checked('enum', options, enumProblem(values)));
}

export function IntField(min: number, max: number, options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: 'integer', minimum: min, maximum: max }),
    checked('int', options, intProblem(min, max)),
  );
}

export function BooleanField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(documented(options, { type: Boolean }), checked('boolean', options, booleanProblem));
}

/** What each kind of time field takes, as the document says it (the pattern is the check's, timeProblem's). */
export const TIME_FIELD_TEXT = {
  date:
    'A date, YYYY-MM-DD (2026-03-20: that whole business day), or a date-time with its offset, ' +
    'YYYY-MM-DDThh:mm[:ss[.fraction]] then Z, ±hh:mm or ±hhmm (2026-03-20T10:00:00+03:30)',
  instant: 'A date-time with its offset: YYYY-MM-DDThh:mm[:ss[.fraction]] then Z, ±hh:mm or ±hhmm (2026-03-20T10:00:00+03:30)',
} as const;

/** The day must exist (a pattern cannot refuse 2026-02-30), in the years every date the CRM records falls in. */
export const TIME_FIELD_YEARS = `A real calendar day, years ${FIRST_YEAR}–${LAST_YEAR}, as written and in UTC. Written back with Z in capitals and any offset as ±hh:mm.`;

/**
 * `date`: a calendar date is enough (close dates, validity); otherwise an instant with its offset. The published
 * schema carries the check's own pattern, so a client reads what is accepted, not only "a string".
 */
export function TimeField(kind: 'date' | 'instant', options: FieldOptions = {}): PropertyDecorator {
  const rule = `${TIME_FIELD_TEXT[kind]}. ${TIME_FIELD_YEARS} ${ANY_DIGIT_SCRIPT_TEXT}.`;
  const described = { ...options, description: options.description ? `${options.description}. ${rule}` : rule };
  // The published pattern takes the digits of the three scripts, as the query's dates do (date-or-instant.ts); no
  // `format: date-time` on an instant, which would say ASCII digits only.
  const schema =
    kind === 'date'
      ? { type: String, pattern: inAnyDigitScript(DATE_OR_INSTANT_PATTERN), example: options.example ?? '2026-03-20' }
      : { type: String, pattern: inAnyDigitScript(INSTANT_PATTERN), example: options.example ?? '2026-03-20T10:00:00+03:30' };
  const check = timeProblem(kind);
  return applyDecorators(
    documented(described, schema),
    checked(kind, options, check),
    // One spelling, whichever the client used: ۲۰۲۶-۰۳-۲۰ is 2026-03-20 and +0330 is +03:30 (stored, compared and shown
    // alike; an outside probe found dates in Persian digits taken in a query and refused in a body). The check reads the
    // ASCII digits (so ۲۰۲۶-۰۲-۳۰ is named as 2026-02-30 is); only a value it takes is respelled: the transform runs
    // first, and must not make a refused form (2026-03-20t10:00) acceptable.
    Transform(({ value }: { value: unknown }) => {
      if (typeof value !== 'string') return value;
      const ascii = toAsciiDigits(value);
      return check(ascii, {}) === undefined ? oneSpelling(ascii) : ascii;
    }),
  );
}

const EMAIL_DESCRIPTION =
  'An address in any script (علی@مثال.ایران; Persian and Arabic-Indic digits read as ASCII ones). Blanks and bidi marks ' +
  'around it are dropped, and it is compared in lower case; a domain in its punycode form (xn--…) is another address';

/** Email or phone of someone, always optional; with `orElse`, at least one of the two must be given. */
export function ContactPointField(
  kind: 'email' | 'phone',
  maxLength: number,
  options: FieldOptions & { orElse?: string } = {},
): PropertyDecorator {
  const problem = kind === 'email' ? emailProblem(maxLength) : phoneProblem(maxLength);
  // `idn-email` (RFC 6531), not `email`: the check takes internationalized addresses (علی@مثال.ایران, Persian digits),
  // which a client validating against `email` (ASCII only) refused though the server took them.
  const schema = { type: String, maxLength, format: kind === 'email' ? 'idn-email' : undefined };
  const description =
    kind === 'email' ? [options.description, EMAIL_DESCRIPTION].filter((part) => part !== undefined).join('. ') : options.description;
  const check = options.orElse ? Check(kind, orRequired(options.orElse, problem)) : applyDecorators(absentOk(), Check(kind, problem));
  return applyDecorators(documented({ ...options, description, optional: true }, schema), check);
}

/** The constraint a nested object's value is refused by when it is no object at all: what is inside it goes unreported. */
export const NOT_AN_OBJECT = 'isNestedObject';

const objectProblem: Problem = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be an object';

/**
 * A nested object's own check: present unless optional, and an object, not an array or a scalar (class-validator
 * would walk an array's elements and take `[]` for a valid object). Beside `ValidateNested`.
 */
export const NestedObjectCheck = (optional = false): PropertyDecorator => checked(NOT_AN_OBJECT, { optional }, objectProblem);

export function NestedField(type: () => new () => object, options: FieldOptions = {}): PropertyDecorator {
  // Swagger resolves a lazy type only from a function named `type`.
  return applyDecorators(documented(options, { type: () => type() }), NestedObjectCheck(options.optional), ValidateNested(), Type(type));
}

export function NestedListField(type: () => new () => object, maxItems: number, options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: () => type(), isArray: true, minItems: 1, maxItems }),
    options.optional
      ? absentOk()
      : Check(
          'required',
          required(() => undefined),
        ),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(maxItems),
    ValidateNested({ each: true }),
    Type(type),
  );
}
