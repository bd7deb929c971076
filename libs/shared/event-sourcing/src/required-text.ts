import { isBlank } from '@crm/shared/kernel';
import { DomainError } from './errors';

/** Free text a rule needs (a subject, a description, a response): refused, naming the field, when it reads as nothing; kept as typed, trimmed. */
export function requireText(text: string, field: string, code: string): string {
  if (isBlank(text)) throw new DomainError(code, `${field} is empty`, { fields: [field] });
  return text.trim();
}
