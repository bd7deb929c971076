/** Bad arguments or configuration: the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** May be given more than once; the values are collected in order. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder in the help text, e.g. `<file>`. */
  readonly value?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['multiple'] extends true ? string[] : string | undefined;

export interface ParsedArgs<S extends OptionSpecs> {
  readonly positionals: readonly string[];
  readonly options: { readonly [K in keyof S]: ValueOf<S[K]> };
}

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--name value`, `--name=value`, `-n value`, boolean `--flag`, and `--` to
 * end the options. Unknown options, missing values and a single-valued
 * option given twice are usage errors, named as the user typed them. A
 * value may start with a dash when it reads as a negative number.
 */
export function parseArgs<S extends OptionSpecs>(argv: readonly string[], specs: S): ParsedArgs<S> {
  const byShort = new Map(Object.entries(specs).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])));
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.type === 'boolean' ? false : spec.multiple ? [] : undefined;
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const eq = long ? arg.indexOf('=') : -1;
    const written = eq === -1 ? arg : arg.slice(0, eq);
    const name = long ? written.slice(2) : byShort.get(written.slice(1));
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) throw new UsageError(`unknown option ${written}`);
    if (spec.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`${written} takes no value`);
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      // A negative number is a value (no option is named by a digit): `--events -5` is then refused as a number.
      if (next === undefined || (next.startsWith('-') && next !== '-' && !NEGATIVE_NUMBER.test(next)))
        throw new UsageError(`${written} needs a value${spec.value ? ` ${spec.value}` : ''}`);
      value = next;
      i += 1;
    }
    const current = values[name];
    if (Array.isArray(current)) current.push(value);
    else if (current !== undefined) throw new UsageError(`${written} given more than once`);
    else values[name] = value;
  }
  return { positionals, options: values as ParsedArgs<S>['options'] };
}

/** A count on the command line (`--events 500`): a positive whole number, or `fallback` when the option is not given. */
export function positiveWholeNumber(text: string | undefined, fallback: number, option: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new UsageError(`${option} must be a positive whole number, got ${JSON.stringify(text)}`);
  return value;
}

/** The options part of a command's help text, aligned. */
export function describeOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    const value = spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : '';
    return [`  ${short}--${name}${value}`, `${spec.description}${spec.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `${left.padEnd(width)}${right}`).join('\n');
}
