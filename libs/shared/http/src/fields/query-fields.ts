import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { toAsciiDigits } from '@crm/shared/kernel';
import { Check, intProblem } from './validators';

const DIGITS = /^-?\d{1,16}$/;

/** What an integer query parameter says of its digits. */
const INT_DIGITS_TEXT = 'Persian (۰–۹) and Arabic-Indic (٠–٩) digits are read as ASCII ones';

/**
 * An integer in the query string, read strictly: digits only ("1e3", " 7",
 * "" are refused, not coerced), and within [min, max] where max is at most
 * 2^53 − 1 — a larger number cannot be told from its neighbours once parsed,
 * so it is a 400, never a 500 from whatever it reached. Digits typed on a
 * Persian keyboard (`۵۰`) or Arabic-Indic ones are read as ASCII ones
 * (`DigitsInAnyScript`), as in dates.
 */
export function IntQueryField(
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
  options: { readonly description?: string; readonly default?: number } = {},
): PropertyDecorator {
  const upper = Math.min(max, Number.MAX_SAFE_INTEGER);
  const description = [options.description, INT_DIGITS_TEXT].filter((text) => text !== undefined).join('. ');
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: min, maximum: upper, ...options, description }),
    DigitsInAnyScript(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DIGITS.test(value) ? Number(value) : value)),
    ValidateIf((_, value) => value !== undefined),
    Check('int', intProblem(min, upper)),
  );
}

/**
 * A keyset list's `cursor`: the `nextCursor` of the page before (`sealCursor`: `<position>.<tag>`, base64url). Its
 * shape is named with the query's other bad parameters; whether its tag holds (for this tenant and these filters) is
 * the list's to check once they pass. `keep` says what the client must keep from the first page.
 */
export function CursorQueryField(keep: string, description?: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description: description ?? `The \`nextCursor\` of the page before (keyset paging); keep the ${keep} of the first page`,
    }),
    IsOptional(),
    IsString(),
    MaxLength(1024),
    Matches(/^[\w-]+\.[\w-]+$/, { message: `cursor must be the nextCursor of an earlier page, with the same ${keep}` }),
  );
}

/** The digits a Persian keyboard types (۰–۹, U+06F0–U+06F9) and the Arabic-Indic ones (٠–٩, U+0660–U+0669), by value. */
const SCRIPT_ZEROS = [0x06f0, 0x0660] as const;
const inScripts = (digit: number): string[] => SCRIPT_ZEROS.map((zero) => String.fromCharCode(zero + digit));

/** ASCII, Persian and Arabic-Indic digits, as the body of a character class. */
const ANY_DIGIT_CLASS = '0-9\u06F0-\u06F9\u0660-\u0669';

/** The digits of `set` in the other two scripts, as class members (ranges for runs of three or more). */
function otherScripts(set: ReadonlySet<number>): string {
  const digits = [...set].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const digit of digits) {
    const last = runs.at(-1);
    if (last !== undefined && last[1] === digit - 1) last[1] = digit;
    else runs.push([digit, digit]);
  }
  return SCRIPT_ZEROS.map((zero) =>
    runs
      .map(([low, high]) => {
        const [a, b] = [String.fromCharCode(zero + low), String.fromCharCode(zero + high)];
        return high - low >= 2 ? `${a}-${b}` : high === low ? a : `${a}${b}`;
      })
      .join(''),
  ).join('');
}

const isDigit = (ch: string | undefined): ch is string => ch !== undefined && ch >= '0' && ch <= '9';

/**
 * A pattern (ECMA-262) written with ASCII digits, rewritten so that each digit it admits may be typed in Persian or
 * Arabic-Indic digits too: `\d` and every digit of a character class (`[0-5]`, `[12]`) or outside one (`19`) admits
 * its three forms; quantifiers (`{1,9}`) are kept. What it matches is exactly what the pattern matches once the digits
 * are read as ASCII ones (toAsciiDigits): the published pattern of a query parameter with `DigitsInAnyScript`. Only the
 * constructs the time patterns use are known; anything that would read digits otherwise (`\w`, `\D`, a back-reference,
 * a range over digits and other characters) is refused rather than published wrong.
 */
export function inAnyDigitScript(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1];
      i += 1;
      if (next === 'd') out += `[${ANY_DIGIT_CLASS}]`;
      else if (next !== undefined && !/[0-9A-Za-z]/.test(next)) out += `\\${next}`;
      else if (next === 's' || next === 'S' || next === 't' || next === 'n' || next === 'r') out += `\\${next}`;
      else throw new Error(`inAnyDigitScript: \\${next ?? ''} in ${pattern} is not supported`);
    } else if (ch === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) throw new Error(`inAnyDigitScript: unclosed { in ${pattern}`);
      out += pattern.slice(i, end + 1);
      i = end;
    } else if (ch === '[') {
      const [body, end] = characterClass(pattern, i);
      out += body;
      i = end;
    } else if (isDigit(ch)) {
      out += `[${ch}${inScripts(Number(ch)).join('')}]`;
    } else out += ch;
  }
  return out;
}

/** The character class opening at `start`, its digits admitted in the three scripts, and the index of its `]`. */
function characterClass(pattern: string, start: number): [string, number] {
  const negated = pattern[start + 1] === '^';
  let i = start + (negated ? 2 : 1);
  const members: string[] = [];
  const digits = new Set<number>();
  let previous: string | undefined; // the last single character, which a `-` may make the start of a range
  for (; i < pattern.length && pattern[i] !== ']'; i += 1) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1];
      i += 1;
      if (next === 'd') [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].forEach((digit) => digits.add(digit));
      else if (next === undefined || /[0-9A-Za-z]/.test(next))
        throw new Error(`inAnyDigitScript: \\${next ?? ''} in a class of ${pattern}`);
      members.push(`\\${next}`);
      previous = undefined;
    } else if (ch === '-' && previous !== undefined && pattern[i + 1] !== undefined && pattern[i + 1] !== ']') {
      const high = pattern[i + 1] as string;
      if (isDigit(previous) && isDigit(high)) {
        for (let digit = Number(previous) + 1; digit <= Number(high); digit += 1) digits.add(digit);
      } else if (previous <= '9' && high >= '0') throw new Error(`inAnyDigitScript: a range over digits and more in ${pattern}`);
      members.push(`-${high}`);
      i += 1;
      previous = undefined;
    } else {
      if (isDigit(ch)) digits.add(Number(ch));
      members.push(ch);
      previous = ch;
    }
  }
  if (pattern[i] !== ']') throw new Error(`inAnyDigitScript: unclosed [ in ${pattern}`);
  // The other scripts first: after the class's own members, a trailing `-` would make them a range.
  const own = members.join('');
  const body = `${negated ? '^' : ''}${otherScripts(digits)}${digits.size > 0 && own.startsWith('-') ? `\\${own}` : own}`;
  return [`[${body}]`, i];
}

/** What a parameter with `DigitsInAnyScript` says in its description. */
export const ANY_DIGIT_SCRIPT_TEXT = 'Persian (۰–۹) and Arabic-Indic (٠–٩) digits are read as ASCII ones; the calendar stays Gregorian';

/** The query parameters, per DTO class, whose digits are read as ASCII ones before anything else reads them. */
const DIGITS_IN_ANY_SCRIPT = new WeakMap<object, Set<string>>();

/**
 * A query parameter whose digits may be typed in Persian (۰–۹) or Arabic-Indic (٠–٩): the validation pipe reads them
 * as ASCII ones (toAsciiDigits, `withAsciiDigits`) before the parameter's checks, the query's rules over several
 * parameters (AlsoChecks) and the handler see it, so `۲۰۲۶-۰۳-۱۵` is `2026-03-15` everywhere. Its published pattern
 * says so: `inAnyDigitScript` of the ASCII one.
 */
export function DigitsInAnyScript(): PropertyDecorator {
  return (target, key) => {
    if (typeof key !== 'string') return;
    const type = target.constructor;
    DIGITS_IN_ANY_SCRIPT.set(type, new Set([...(DIGITS_IN_ANY_SCRIPT.get(type) ?? []), key]));
  };
}

/**
 * The query with the digits of its `DigitsInAnyScript` parameters (of `type` and the classes it extends) read as ASCII
 * ones; the query itself when there is nothing to change. Only a parameter given once (a string) is read: one given
 * twice is the checks' to refuse.
 */
export function withAsciiDigits(type: unknown, query: unknown): unknown {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) return query;
  const given = query as Record<string, unknown>;
  const changed: Record<string, string> = {};
  for (let target = type; typeof target === 'function'; target = Object.getPrototypeOf(target)) {
    for (const key of DIGITS_IN_ANY_SCRIPT.get(target) ?? []) {
      const value = Object.prototype.hasOwnProperty.call(given, key) ? given[key] : undefined;
      if (typeof value === 'string' && toAsciiDigits(value) !== value) changed[key] = toAsciiDigits(value);
    }
  }
  // A copy, with the prototype the parser gave (a query string's parameters come in an object without one).
  return Object.keys(changed).length === 0
    ? query
    : Object.assign(Object.create(Object.getPrototypeOf(query) as object | null) as object, query, changed);
}
