import { describeOptions, parseArgs, positiveWholeNumber, UsageError } from './args';
import { parseAsOf, parseInstant } from './instants';
import { cli } from './testing/run-cli-in-process';

const SPECS = {
  type: { type: 'string', multiple: true, value: '<T>', description: 'event type' },
  out: { type: 'string', short: 'o', value: '<file>', description: 'output file' },
  json: { type: 'boolean', description: 'as JSON' },
} as const;

const usageError = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('parseArgs', () => {
  it('reads positionals, values in both spellings, short names, repeatable options and flags, typed', () => {
    const { positionals, options } = parseArgs(
      ['events', '--type', 'LeadCaptured', '--type=ComplaintClosed', '-o', 'out.ndjson', '--json', 'extra'],
      SPECS,
    );
    expect(positionals).toEqual(['events', 'extra']);
    expect(options).toEqual({ type: ['LeadCaptured', 'ComplaintClosed'], out: 'out.ndjson', json: true });
    const types: string[] = options.type;
    const out: string | undefined = options.out;
    expect([types.length, out]).toEqual([2, 'out.ndjson']);
  });

  it('gives defaults for what is not given: no values, no flag', () => {
    expect(parseArgs([], SPECS).options).toEqual({ type: [], out: undefined, json: false });
  });

  it('takes everything after -- as positionals, and a lone - as one', () => {
    expect(parseArgs(['-', '--', '--json', '-o'], SPECS)).toEqual({
      positionals: ['-', '--json', '-o'],
      options: { type: [], out: undefined, json: false },
    });
  });

  it('names the option the user typed in every usage error', () => {
    expect(usageError(() => parseArgs(['--tpye', 'X'], SPECS))).toBe('unknown option --tpye');
    expect(usageError(() => parseArgs(['-x'], SPECS))).toBe('unknown option -x');
    expect(usageError(() => parseArgs(['--out'], SPECS))).toBe('--out needs a value <file>');
    expect(usageError(() => parseArgs(['-o', '--json'], SPECS))).toBe('-o needs a value <file>');
    expect(usageError(() => parseArgs(['--out', 'a', '--out=b'], SPECS))).toBe('--out given more than once');
    expect(usageError(() => parseArgs(['--json=yes'], SPECS))).toBe('--json takes no value');
  });

  it('takes a negative number as a value, so a count can be refused as a number, not as a missing value', () => {
    expect(parseArgs(['--out', '-5', '--type=-1'], SPECS).options).toMatchObject({ out: '-5', type: ['-1'] });
    expect(parseArgs(['-o', '-.5'], SPECS).options.out).toBe('-.5');
    expect(usageError(() => parseArgs(['--out', '-x'], SPECS))).toBe('--out needs a value <file>');
  });

  it.each(['-5', '0', '1.5', 'ten', ''])('refuses the count %p as not a positive whole number', (text) => {
    expect(usageError(() => positiveWholeNumber(text, 1, '--events'))).toBe(
      `--events must be a positive whole number, got ${JSON.stringify(text)}`,
    );
  });

  it('reads a count, or gives the default when the option is not given', () => {
    expect(positiveWholeNumber('500', 1, '--events')).toBe(500);
    expect(positiveWholeNumber(undefined, 10_000, '--events')).toBe(10_000);
  });

  it.each([
    ['--events', '-5'],
    ['--seed', '-1'],
  ])('seed %s %s: exit 2, the value must be a positive whole number (not "needs a value")', async (option, value) => {
    const run = await cli(['seed', option, value], { CRM_DATA_DIR: '/nonexistent/crm-cli-args-spec' });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(`crm-cli seed: ${option} must be a positive whole number, got "${value}"`);
  });

  it('describes the options for --help, aligned', () => {
    expect(describeOptions(SPECS).split('\n')).toEqual([
      '      --type <T>    event type (repeatable)',
      '  -o, --out <file>  output file',
      '      --json        as JSON',
    ]);
  });
});

describe('dates and positions on the command line', () => {
  it('reads a date alone as a whole business day (Tehran): its start for --from, the next midnight for --to', () => {
    expect(new Date(parseInstant('2025-03-01', 'start', '--from')).toISOString()).toBe('2025-02-28T20:30:00.000Z');
    expect(new Date(parseInstant('2025-03-31', 'end', '--to')).toISOString()).toBe('2025-03-31T20:30:00.000Z');
    // Summer 2021: Tehran kept +04:30.
    expect(new Date(parseInstant('2021-07-31', 'end', '--to')).toISOString()).toBe('2021-07-31T19:30:00.000Z');
  });

  it('takes a date-time with its offset as that instant', () => {
    expect(new Date(parseInstant('2025-03-01T09:00:00+03:30', 'end', '--to')).toISOString()).toBe('2025-03-01T05:30:00.000Z');
    expect(new Date(parseInstant('2025-03-01T05:30Z', 'start', '--from')).toISOString()).toBe('2025-03-01T05:30:00.000Z');
  });

  it.each(['2025-03-01T09:00:00', '2025-02-30', '1403/12/11', 'yesterday', '2025-3-1'])('refuses %p', (text) => {
    expect(usageError(() => parseInstant(text, 'start', '--from'))).toMatch(/^--from ".*" is not an ISO date/);
  });

  it.each(['1404-01-10', '1403-12-30T09:00:00+03:30', '2200-01-01'])(
    'refuses %p, outside the years the API takes (a Jalali date)',
    (text) => {
      expect(usageError(() => parseInstant(text, 'end', '--as-of'))).toMatch(/^--as-of ".*" is outside the years 1900–2199/);
    },
  );

  it('tells a position (as status and command replies print them) from a date for --as-of', () => {
    expect(parseAsOf('12345')).toEqual({ position: '12345' });
    expect(parseAsOf('7781/204')).toEqual({ position: '7781/204' });
    expect(parseAsOf('2025-03-01')).toEqual({ occurredBefore: '2025-03-01T20:30:00.000Z' });
    // At or before a date-time, as the API's asOf: an event recorded at that very instant is in.
    expect(parseAsOf('2025-03-01T12:00:00+03:30')).toEqual({ occurredBefore: '2025-03-01T08:30:00.001Z' });
    expect(() => parseAsOf('last week')).toThrow(UsageError);
  });
});
