import { isBlank, type Refusal } from '@crm/shared/kernel';
import { DomainError } from './errors';

/** Free text a rule needs (a subject, a description, a response): refused, naming the field, when it reads as nothing; kept as typed, trimmed. */
export function requireText(text: string, field: string, refusal: Refusal<string, 400>): string {
  if (isBlank(text)) throw new DomainError(refusal, `${field} is empty`, { fields: [field] });
  return text.trim();
}
