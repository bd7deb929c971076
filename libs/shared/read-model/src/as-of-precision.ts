/**
 * How exact a view answered as of `asOf` is (API.md: "say so in the reply"). The contract allows the end of asOf's
 * business day; these views are exact to the instant: every figure counts what is dated up to asOf, to the millisecond.
 */
export const AS_OF_PRECISION = 'instant' as const;

export interface AsOfPrecision {
  readonly asOfPrecision: typeof AS_OF_PRECISION;
}

/** The reply field as the views publish it in OpenAPI. */
export const AS_OF_PRECISION_SCHEMA: { type: string; enum: string[]; description: string } = {
  type: 'string',
  enum: [AS_OF_PRECISION],
  description: 'instant: every figure counts what is dated up to asOf, to the millisecond (not only to the end of its day)',
};

/**
 * How exact a view answered from a dated ledger (as-of-ledger.ts) is: the figures as they stood at the end of asOf's
 * business day (API.md's "day"), every event recorded on that day included, whatever the instant asOf named in it.
 */
export const AS_OF_DAY_PRECISION = 'day' as const;

/** The reply fields of a view answered as of a past business day. */
export interface AsOfDay {
  /** The last instant of asOf's business day (ISO 8601), or now while that day runs: the figures are those recorded by then. */
  readonly asOf: string;
  readonly asOfPrecision: typeof AS_OF_DAY_PRECISION;
}

/** AsOfDay's fields as the views publish them in OpenAPI (present only when the request named an asOf). */
export const AS_OF_DAY_SCHEMA: Readonly<Record<string, object>> = {
  asOf: {
    type: 'string',
    format: 'date-time',
    description:
      'Present when the request named asOf: the last instant of its business day (the business time zone), or now when that day is today (a later asOf is read as now). The figures are those of every event recorded by then',
  },
  asOfPrecision: {
    type: 'string',
    enum: [AS_OF_DAY_PRECISION],
    description:
      'day: the figures as they stood at the end of asOf’s business day (every event recorded that day counts, whatever the hour asOf named)',
  },
};
