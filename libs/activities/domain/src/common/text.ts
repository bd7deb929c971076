import { DomainError } from '@crm/shared/event-sourcing';
import { normalizePersian } from '@crm/shared/kernel';

/**
 * Blank once invisible marks are gone: a subject of only ZWNJ, tatweel or bidi marks
 * (what a Persian keyboard or a paste from Word leaves behind) reads as nothing.
 */
export function isBlank(text: string | undefined): boolean {
  return text === undefined || normalizePersian(text) === '';
}

/** Text the rules need: refused as a 400 naming the field when it reads as nothing; kept as typed, trimmed. */
export function requireText(text: string, field: string, code: string): string {
  if (isBlank(text)) throw new DomainError(code, `${field} is empty`, { fields: [field] });
  return text.trim();
}

/** Optional text: forms send '' for what the user left empty, so blank counts as absent. */
export function optionalText(text: string | undefined): string | undefined {
  return text === undefined || isBlank(text) ? undefined : text.trim();
}
