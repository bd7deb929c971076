/**
 * Error codes are types, not strings (STYLE.md 13): each aggregate declares
 * its refusals once, each with the HTTP status a client gets and what it
 * means. Code that refuses names a declared refusal, so a typo does not
 * compile; the exception filter reads the status from it and the OpenAPI
 * document lists the declarations, so neither keeps a list of its own.
 */

/** 400: the input itself is invalid (the refusal names the fields); 404: an unknown record; 409: a business rule. */
export type RefusalStatus = 400 | 404 | 409;

export interface Refusal<Code extends string = string, Status extends number = number> {
  readonly code: Code;
  readonly status: Status;
  /** What it means for a client, for the OpenAPI document. */
  readonly description: string;
}

export type RefusalSpec<Status extends number = number> = readonly [status: Status, description: string];

export type RefusalCatalog<Prefix extends string, Specs extends Readonly<Record<string, RefusalSpec>>> = {
  readonly [Name in keyof Specs & string]: Refusal<`${Prefix}.${Name}`, Specs[Name][0]>;
};

/** `refusals('LEAD', { CLOSED: [409, 'The lead is qualified or disqualified'] })` → `LEAD.CLOSED` with its status. */
export function refusals<const Prefix extends string, const Specs extends Readonly<Record<string, RefusalSpec<RefusalStatus>>>>(
  prefix: Prefix,
  specs: Specs,
): RefusalCatalog<Prefix, Specs> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, [status, description]]) => [name, { code: `${prefix}.${name}`, status, description }]),
  ) as RefusalCatalog<Prefix, Specs>;
}

/** The same for problems any layer may raise (transport, concurrency, idempotency), with any HTTP status. */
export function problems<const Prefix extends string, const Specs extends Readonly<Record<string, RefusalSpec>>>(
  prefix: Prefix,
  specs: Specs,
): RefusalCatalog<Prefix, Specs> {
  return refusals(prefix, specs as unknown as Readonly<Record<string, RefusalSpec<RefusalStatus>>>) as unknown as RefusalCatalog<
    Prefix,
    Specs
  >;
}

/** Every refusal of a catalog, for documents and tests. */
export function refusalsOf(catalog: Readonly<Record<string, Refusal>>): readonly Refusal[] {
  return Object.values(catalog);
}
