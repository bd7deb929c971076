import fc from 'fast-check';
import { RequestValidationError } from '../problem-details';
import { createValidationPipe } from '../validation';
import { TimeField } from './fields';
import { inAnyDigitScript } from './query-fields';
import { DATE_OR_INSTANT_PATTERN, DATE_PATTERN, INSTANT_PATTERN, timeProblem } from './validators';

/** Strings near the shapes the time fields take: every part drawn from a range a little wider than the valid one. */
const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const near = fc
  .record({
    year: fc.constantFrom('1899', '1900', '2025', '2199', '2200', '1403', '0000'),
    month: two(13),
    day: two(32),
    time: fc.option(
      fc.record({
        t: fc.constantFrom('T', 't', ' '),
        hour: two(25),
        minute: two(60),
        second: fc.option(fc.tuple(two(60), fc.option(fc.stringMatching(/^\.\d{1,10}$/))), { nil: undefined }),
        offset: fc.constantFrom('Z', 'z', '', '+03:30', '-0800', '+03', '+24:00', '+23:59', '-12:60'),
      }),
      { nil: undefined },
    ),
  })
  .map(({ year, month, day, time }) => {
    if (!time) return `${year}-${month}-${day}`;
    const seconds = time.second ? `:${time.second[0]}${time.second[1] ?? ''}` : '';
    return `${year}-${month}-${day}${time.t}${time.hour}:${time.minute}${seconds}${time.offset}`;
  });

/** A pattern cannot know months' lengths: that much is the server's own check, said in the descriptions. */
const dayExists = (value: string): boolean => {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};
// ISO 8601 (and the server) take 24:00, the end of a day; the document does not advertise it.
const endOfDay = (value: string): boolean => /T24:00/.test(value);
/** Nor the years once the offset is applied (said in the descriptions): 1900-01-01T00:00+03:30 is in 1899 in UTC. */
const yearsInUtc = (value: string): boolean => {
  const year = new Date(Date.parse(value)).getUTCFullYear();
  return year >= 1900 && year <= 2199;
};

describe('the patterns the OpenAPI document publishes for time fields are what the server accepts', () => {
  it.each([
    ['date', DATE_OR_INSTANT_PATTERN],
    ['instant', INSTANT_PATTERN],
  ] as const)('%s', (kind, pattern) => {
    const published = new RegExp(pattern);
    fc.assert(
      fc.property(near, (value) => {
        const accepted = timeProblem(kind)(value, {}) === undefined;
        if (accepted && !endOfDay(value)) expect({ value, matches: published.test(value) }).toEqual({ value, matches: true });
        if (published.test(value)) expect({ value, accepted }).toEqual({ value, accepted: dayExists(value) && yearsInUtc(value) });
      }),
      { numRuns: 20_000, seed: 20261206 },
    );
  });

  it('refuses a time whose year is outside 1900–2199 once its offset is applied, naming why', () => {
    expect(timeProblem('instant')('2199-12-31T23:00:00-23:59', {})).toBe('must fall in the years 1900–2199, as written and in UTC');
    expect(timeProblem('date')('1900-01-01T00:00:00+00:01', {})).toBe('must fall in the years 1900–2199, as written and in UTC');
    expect(timeProblem('instant')('2199-12-31T23:00:00+03:30', {})).toBeUndefined();
    expect(timeProblem('date')('1900-01-01', {})).toBeUndefined();
  });

  it('publishes a plain date as a date', () => {
    expect(new RegExp(DATE_PATTERN).test('2026-03-20')).toBe(true);
    expect(new RegExp(DATE_PATTERN).test('2026-03-20T10:00Z')).toBe(false);
  });
});

class Dated {
  @TimeField('date')
  closeDate!: string;

  @TimeField('instant', { optional: true })
  dueAt?: string;
}

describe('a time field in a body takes Persian and Arabic-Indic digits, as a query does (an outside probe)', () => {
  const read = (body: Record<string, unknown>) =>
    (createValidationPipe().transform(body, { type: 'body', metatype: Dated }) as Promise<Dated>).then(
      (dated) => ({ ...dated }),
      (error: unknown) => {
        if (!(error instanceof RequestValidationError)) throw error;
        return error.errors.map((e) => `${e.field}: ${e.messages.join('; ')}`);
      },
    );

  it('keeps the ASCII spelling, one offset form, whatever the script typed', async () => {
    expect(await read({ closeDate: '۲۰۲۶-۱۲-۳۰', dueAt: '٢٠٢٦-٠٣-٢٠T١٠:٠٠+٠٣٣٠' })).toEqual({
      closeDate: '2026-12-30',
      dueAt: '2026-03-20T10:00+03:30',
    });
    expect(await read({ closeDate: '2026-۱۲-30T08:00:00Z' })).toEqual({ closeDate: '2026-12-30T08:00:00Z' });
  });

  it('refuses what it refuses in ASCII digits, naming the field, and a Jalali date is no Gregorian one', async () => {
    expect(await read({ closeDate: '۲۰۲۶-۰۲-۳۰' })).toEqual([
      'closeDate: closeDate must be a real calendar day: 2026-02-30 does not exist',
    ]);
    expect(await read({ closeDate: '۱۴۰۵-۰۱-۰۱' })).toEqual([
      'closeDate: closeDate must fall in the years 1900–2199, as written and in UTC',
    ]);
    expect(await read({ closeDate: '2026-03-20', dueAt: '۲۰۲۶-۰۳-۲۰' })).toEqual([expect.stringMatching(/^dueAt: dueAt must be/)]);
  });

  it('publishes patterns that say so, matching exactly what the ASCII ones match once the digits are ASCII', () => {
    for (const typed of ['۲۰۲۶-۱۲-۳۰', '٢٠٢٦-٠٣-٢٠T١٠:٠٠+٠٣:٣٠', '2026-03-20T10:00Z'])
      expect([typed, new RegExp(inAnyDigitScript(DATE_OR_INSTANT_PATTERN)).test(typed)]).toEqual([typed, true]);
    expect(new RegExp(inAnyDigitScript(INSTANT_PATTERN)).test('۲۰۲۶-۰۳-۲۰')).toBe(false);
    // What TimeField publishes (the OpenAPI document's schema of the field), not only what the helper makes.
    const published = (key: string) => Reflect.getMetadata('swagger/apiModelProperties', Dated.prototype, key) as Record<string, unknown>;
    expect(published('closeDate')).toMatchObject({ pattern: inAnyDigitScript(DATE_OR_INSTANT_PATTERN) });
    expect(published('dueAt')).toMatchObject({ pattern: inAnyDigitScript(INSTANT_PATTERN) });
    expect(published('dueAt')).not.toHaveProperty('format');
  });
});
