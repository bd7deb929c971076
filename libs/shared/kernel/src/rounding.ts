/**
 * The one rounding rule for every figure a view reports (docs/metrics.md "Rounding"):
 * round half to even at the stated number of decimals — ratios (0–1) to 4, hours, days,
 * means and percentages to 2. A value whose scaled form is within float error of .5 is a
 * tie, so 0.285 rounds like the decimal it stands for. That error grows with the value
 * (about 0.7 at 10^15): money is computed in integers and rounded by `divideHalfEven`.
 * Half to even has no upward bias when many rounded figures are added up again.
 */
export function roundHalfEven(value: number, places = 0): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot round ${value}`);
  const factor = 10 ** places;
  const scaled = value * factor;
  const floor = Math.floor(scaled);
  const tolerance = Math.max(1e-9, Math.abs(scaled) * 4 * Number.EPSILON);
  const tie = Math.abs(scaled - floor - 0.5) <= tolerance;
  const whole = tie ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(scaled);
  const rounded = whole / factor;
  return rounded === 0 ? 0 : rounded;
}

/** Decimals per kind of figure. */
export const RATIO_PLACES = 4;
export const MEASURE_PLACES = 2;

/** part ÷ whole as a 0–1 ratio to 4 decimals; null when there is nothing to divide by (unknown, not 0). */
export function ratioOf(part: number, whole: number): number | null {
  return whole <= 0 ? null : roundHalfEven(part / whole, RATIO_PLACES);
}
