import fc from 'fast-check';
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
