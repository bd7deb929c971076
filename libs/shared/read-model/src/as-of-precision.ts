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
