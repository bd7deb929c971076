import { matchKey, present } from '@crm/shared/kernel';

/**
 * A name someone can read: ZWNJ, tatweel, diacritics or punctuation alone pass a
 * trim() but leave nothing to show or search by, so they count as blank too.
 */
export function readable(value: string | undefined): string | undefined {
  const text = present(value);
  return text === undefined || matchKey(text) === '' ? undefined : text;
}

/** The ids in the order given, each once: a list pasted from a spreadsheet often repeats rows. */
export function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
