import { normalizePersian } from './persian-text';

/** Sane bounds for any date the CRM records or plans: no purchase in year 9999, no deal closing in 0001 (the written year). */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2199;

const OFFSET_SPELLING = /([+-])(\d{2}):?(\d{2})$/;

/**
 * An ISO 8601 date-time with its offset in one spelling, as the CRM keeps it: T and Z in capitals, the offset as
 * ±hh:mm (+0330 and +03:30 are one offset, the published pattern takes both). A calendar date, or anything not a
 * date-time, is returned as it is.
 */
export function oneSpelling(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}[Tt]/.test(value)) return value;
  const upper = value.toUpperCase();
  return upper.endsWith('Z') ? upper : upper.replace(OFFSET_SPELLING, '$1$2:$3');
}

/** Clocks of the systems that report to us drift; an instant up to this far ahead of ours is still "now". */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Whether a fact dated `at` would lie in the future of `recordedAt`, the server's time (beyond CLOCK_SKEW_MS). */
export const isAheadOf = (at: string, recordedAt: string): boolean => Date.parse(at) > Date.parse(recordedAt) + CLOCK_SKEW_MS;

type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/**
 * Drops keys whose value is undefined. Stored events go through JSON, which drops them
 * too, so an event built in memory and the same event read back stay deep-equal and a
 * replayed state matches the live one.
 */
export function compact<T extends object>(value: T): Defined<T> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = field;
  return out as Defined<T>;
}

/** Keys of `changes` whose value differs from `current`: an update that changes nothing records nothing. */
export function changedFields<T extends object>(current: T, changes: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(changes) as (keyof T)[]) {
    const next = changes[key];
    if (next !== undefined && next !== current[key]) out[key] = next;
  }
  return out;
}

export function isEmpty(value: object): boolean {
  return Object.keys(value).length === 0;
}

/**
 * Blank once invisible marks are gone: text of only spaces, ZWNJ, tatweel or bidi
 * marks (what a Persian keyboard or a paste from Word leaves behind) reads as nothing.
 */
export function isBlank(text: string | undefined): boolean {
  return text === undefined || normalizePersian(text) === '';
}

/** Blank input counts as absent: forms send '' for fields the user left empty. Kept as typed, trimmed. */
export function present(value: string | undefined): string | undefined {
  return isBlank(value) ? undefined : value?.trim();
}
