import { IsOptional } from 'class-validator';
import fc from 'fast-check';
import { toAsciiDigits } from '@crm/shared/kernel';
import { RequestValidationError } from '../problem-details';
import { createValidationPipe } from '../validation';
import { AlsoChecks } from './body-rules';
import { DigitsInAnyScript, inAnyDigitScript, IntQueryField, withAsciiDigits } from './query-fields';
import { Check, DATE_OR_INSTANT_PATTERN, DATE_PATTERN, INSTANT_PATTERN, timeProblem } from './validators';

const PATTERNS = [
  ['date', DATE_PATTERN],
  ['date or instant', DATE_OR_INSTANT_PATTERN],
  ['instant', INSTANT_PATTERN],
] as const;

/** Each ASCII digit of `text` in the script `scripts` picks for it: 0 ASCII, 1 Persian, 2 Arabic-Indic. */
const inScripts = (text: string, scripts: readonly number[]): string =>
  [...text]
    .map((ch, i) => {
      if (ch < '0' || ch > '9') return ch;
      const zero = [0x30, 0x06f0, 0x0660][scripts[i % Math.max(scripts.length, 1)] ?? 0] as number;
      return String.fromCharCode(zero + ch.charCodeAt(0) - 0x30);
    })
    .join('');
const scripts = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 });

/** Strings near a date or an instant, some with a digit too many or a separator missing. */
const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const near = fc
  .tuple(
    fc.constantFrom('1899', '1900', '2026', '2199', '2200', '1405', '0000', '202'),
    two(13),
    two(32),
    fc.option(fc.tuple(fc.constantFrom('T', 't', ' '), two(25), two(60), fc.constantFrom('', ':07', ':07.5', ':7')), { nil: undefined }),
    fc.constantFrom('', 'Z', 'z', '+03:30', '-0800', '+03', '+24:00', 'x'),
  )
  .map(([year, month, day, time, offset]) => `${year}-${month}-${day}${time ? `${time[0]}${time[1]}:${time[2]}${time[3]}` : ''}${offset}`);

describe('inAnyDigitScript: a published pattern that takes the digits of every script', () => {
  it.each(PATTERNS)('%s: matches exactly what the ASCII pattern matches once the digits are read as ASCII ones', (_, pattern) => {
    const [ascii, wide, wideUnicode] = [
      new RegExp(pattern),
      new RegExp(inAnyDigitScript(pattern)),
      new RegExp(inAnyDigitScript(pattern), 'u'),
    ];
    fc.assert(
      fc.property(fc.oneof(near, fc.stringMatching(ascii)), scripts, (value, picked) => {
        const typed = inScripts(value, picked);
        const expected = ascii.test(toAsciiDigits(typed));
        expect({ typed, wide: wide.test(typed), unicode: wideUnicode.test(typed) }).toEqual({ typed, wide: expected, unicode: expected });
      }),
      { numRuns: 5_000, seed: 20260315 },
    );
  });

  it('keeps the calendar Gregorian and the quantifiers as they are', () => {
    const date = new RegExp(inAnyDigitScript(DATE_PATTERN));
    expect(['۲۰۲۶-۰۳-۱۵', '٢٠٢٦-٠٣-١٥', '2026-۰۳-١٥'].map((value) => date.test(value))).toEqual([true, true, true]);
    // A Jalali year, a month 13, a day the pattern cannot have: refused in every script, as in ASCII digits.
    expect(['۱۴۰۵-۰۱-۰۱', '۲۰۲۶-۱۳-۰۱', '۲۰۲۶-۰۳-۳۲', '۲۰۲۶-۳-۱۵'].map((value) => date.test(value))).toEqual([false, false, false, false]);
    expect(inAnyDigitScript('^\\d{1,9}$')).toBe('^[0-9۰-۹٠-٩]{1,9}$');
    expect(inAnyDigitScript('^(?:19|2[01])[+-]$')).toBe('^(?:[1۱١][9۹٩]|[2۲٢][۰۱٠١01])[+-]$');
    expect(inAnyDigitScript('^[-0-3]$')).toBe('^[۰-۳٠-٣\\-0-3]$');
    expect(inAnyDigitScript('^[^0-9]x$')).toBe('^[^۰-۹٠-٩0-9]x$');
  });

  it('refuses what it cannot rewrite rather than publish a pattern the server disagrees with', () => {
    for (const pattern of ['^\\w+$', '^\\D$', '^(a)\\1$', '^[!-~]$', '^[0-9$', '^a{2'])
      expect(() => inAnyDigitScript(pattern)).toThrow(/inAnyDigitScript/);
  });
});

@AlsoChecks({
  reads: ['from', 'to'],
  check: ({ from, to }) => {
    if (typeof from === 'string' && typeof to === 'string' && from > to)
      throw new RequestValidationError([{ field: 'to', messages: ['to must not be before from'] }]);
  },
})
class PeriodQuery {
  @DigitsInAnyScript()
  @IsOptional()
  @Check('date', timeProblem('date'))
  from?: string;

  @DigitsInAnyScript()
  @IsOptional()
  @Check('date', timeProblem('date'))
  to?: string;

  @IsOptional()
  @Check('code', (value) => (typeof value === 'string' ? undefined : 'must be text'))
  code?: string;
}

class LaterQuery extends PeriodQuery {
  @DigitsInAnyScript()
  @IsOptional()
  @Check('date', timeProblem('date'))
  asOf?: string;
}

class PageQuery {
  @IntQueryField(1, 200)
  limit?: number;
}

/** A query string's parameters, as the parser hands them over: an object without a prototype, every value text. */
const parsed = (values: Record<string, string>) => Object.assign(Object.create(null) as Record<string, string>, values);
const read = (metatype: new () => object, values: Record<string, string>) =>
  createValidationPipe().transform(parsed(values), { type: 'query', metatype }) as Promise<Record<string, unknown>>;
const refused = async (metatype: new () => object, values: Record<string, string>) => {
  try {
    await read(metatype, values);
    return [];
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    return error.errors;
  }
};

describe('DigitsInAnyScript: query parameters read with ASCII digits before anything reads them', () => {
  it('hands the handler ASCII digits, in the parameters so marked only, of the class and those it extends', async () => {
    const query = await read(LaterQuery, { from: '۲۰۲۶-۰۳-۱۵', to: '٢٠٢٦-٠٣-١٥T10:00+۰۳:۳۰', asOf: '2026-۰۴-01', code: '۱۲' });
    expect({ ...query }).toEqual({ from: '2026-03-15', to: '2026-03-15T10:00+03:30', asOf: '2026-04-01', code: '۱۲' });
  });

  it('refuses a bad date in Persian digits as in ASCII ones, naming the parameter', async () => {
    for (const asOf of ['۲۰۲۶/۰۳/۱۵', '۲۰۲۶-۰۳-۱۵T۱۰:۰۰'])
      expect(await refused(LaterQuery, { asOf })).toEqual([{ field: 'asOf', messages: [expect.stringMatching(/^asOf must be a date/)] }]);
    // The right shape, but no such day: said as such (an outside probe read a shape to follow for 2026-02-30).
    expect(await refused(LaterQuery, { asOf: '۲۰۲۶-۰۲-۳۰' })).toEqual([
      { field: 'asOf', messages: ['asOf must be a real calendar day: 2026-02-30 does not exist'] },
    ]);
    // A Jalali date is no Gregorian one in another script: its year is outside those the CRM records.
    for (const asOf of ['۱۴۰۵-۰۱-۰۱', '۱۸۹۹-۱۲-۳۱'])
      expect(await refused(LaterQuery, { asOf })).toEqual([
        { field: 'asOf', messages: ['asOf must fall in the years 1900–2199, as written and in UTC'] },
      ]);
  });

  it('gives the rules over several parameters (AlsoChecks) the digits as read: mixed scripts compare as dates', async () => {
    // As typed, '2026-03-20' < '۲۰۲۶-۰۳-۱۰' (U+0032 before U+06F2): the period upside down would go unnamed.
    expect(
      (await refused(PeriodQuery, { from: '2026-03-20', to: '۲۰۲۶-۰۳-۱۰', code: [] as unknown as string })).map((e) => e.field),
    ).toEqual(['code', 'to']);
    expect(await refused(PeriodQuery, { from: '۲۰۲۶-۰۳-۱۰', to: '2026-03-20' })).toEqual([]);
  });

  it('reads an integer parameter (IntQueryField) typed in Persian or Arabic-Indic digits, and still refuses what is no integer', async () => {
    expect((await read(PageQuery, { limit: '۵۰' }))['limit']).toBe(50);
    expect((await read(PageQuery, { limit: '١٢' }))['limit']).toBe(12);
    expect((await read(PageQuery, { limit: '2۰' }))['limit']).toBe(20);
    for (const limit of ['۲۰۱', '۰', '۱٫۵', '۱e۳', ' ۵'])
      expect({ limit, refused: (await refused(PageQuery, { limit })).map((error) => error.field) }).toEqual({ limit, refused: ['limit'] });
  });

  it('leaves the query it was given as it was, and a body alone', async () => {
    const given = parsed({ from: '۲۰۲۶-۰۳-۱۵' });
    expect(withAsciiDigits(PeriodQuery, given)).not.toBe(given);
    expect(given['from']).toBe('۲۰۲۶-۰۳-۱۵');
    expect(Object.getPrototypeOf(withAsciiDigits(PeriodQuery, given))).toBeNull();
    const ascii = parsed({ from: '2026-03-15' });
    expect(withAsciiDigits(PeriodQuery, ascii)).toBe(ascii);
    // Given twice, a parameter is a list: the check refuses it as it is.
    expect(withAsciiDigits(PeriodQuery, { from: ['۲۰۲۶-۰۳-۱۵', '۲۰۲۶-۰۳-۱۶'] })).toEqual({ from: ['۲۰۲۶-۰۳-۱۵', '۲۰۲۶-۰۳-۱۶'] });
    await expect(createValidationPipe().transform({ from: '۲۰۲۶-۰۳-۱۵' }, { type: 'body', metatype: PeriodQuery })).rejects.toMatchObject({
      errors: [{ field: 'from' }],
    });
  });
});
