import { DomainError } from '@crm/shared/event-sourcing';
import { matchKey, present, type Refusal } from '@crm/shared/kernel';

/** An "other symbol" (★, ©, an emoji): something to show, though nothing to search by. Signs (`~`, `=`, `€`, `±`) are not. */
const SYMBOL = /\p{So}/u;

/**
 * A name someone can read: ZWNJ, tatweel, diacritics or punctuation alone pass a
 * trim() but leave nothing to show or search by, so they count as blank too. A
 * name of symbols or emoji (`🎉`, `★`) shows, as it does on a lead or a contact.
 */
export function readable(value: string | undefined): string | undefined {
  const text = present(value);
  return text === undefined || (matchKey(text) === '' && !SYMBOL.test(text)) ? undefined : text;
}

/**
 * The name as kept, or the refusal naming the `name` field: the decider's rule, which the edge applies too
 * (`@AlsoChecks`), so that one 400 names an unreadable name beside the body's other bad fields.
 */
export function readableName(value: string | undefined, refusal: Refusal, message: string): string {
  const name = readable(value);
  if (name === undefined) throw new DomainError(refusal, message, { fields: ['name'] });
  return name;
}

/** The ids in the order given, each once: a list pasted from a spreadsheet often repeats rows. */
export function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
