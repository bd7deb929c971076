import { InvalidValueError } from './errors';
import { toAsciiDigits } from './persian-text';

/**
 * Phone numbers are stored as E.164 ('+989121234567') so the same number typed as
 * 0912 123 4567, ۰۹۱۲۱۲۳۴۵۶۷ or +98 912 123 4567 dedupes to one contact.
 */

// Separators people type or paste, plus bidi marks that RTL editors wrap around numbers (the Arabic letter mark among
// them, as the text rules treat it).
const SEPARATORS = /[\s\-\u2010-\u2015\u2212()./\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
// National significant number: mobile 9XXXXXXXXX, or landline = area code [1-8]X + 8 digits.
const IRANIAN_NSN = /^(?:9\d{9}|[1-8]\d{9})$/;
const IRANIAN_MOBILE_E164 = /^\+989\d{9}$/;
const FOREIGN_E164 = /^\+[1-9]\d{7,14}$/;

function invalid(input: string): InvalidValueError {
  return new InvalidValueError('PHONE.INVALID', `Not a valid phone number: "${input}"`);
}

function clean(input: string): string {
  return toAsciiDigits(input.normalize('NFKC')).replace(SEPARATORS, '');
}

/** The 10-digit national number without trunk 0 or country code, or null. */
function iranianNsn(cleaned: string): string | null {
  let rest: string;
  if (cleaned.startsWith('+98')) rest = cleaned.slice(3);
  else if (cleaned.startsWith('0098')) rest = cleaned.slice(4);
  else if (cleaned.startsWith('98') && cleaned.length === 12) rest = cleaned.slice(2);
  else if (cleaned.startsWith('0')) return IRANIAN_NSN.test(cleaned.slice(1)) ? cleaned.slice(1) : null;
  else rest = cleaned;
  // "+98 (0)21 ..." and "+98 0912 ..." are common: the trunk 0 after the country code is redundant.
  if (rest.length === 11 && rest.startsWith('0')) rest = rest.slice(1);
  return IRANIAN_NSN.test(rest) ? rest : null;
}

/** Iranian mobile or landline number in any common spelling → E.164 '+98…'. */
export function parseIranianPhone(input: string): string {
  const nsn = iranianNsn(clean(input));
  if (nsn === null) throw invalid(input);
  return `+98${nsn}`;
}

export function isIranianMobile(e164: string): boolean {
  return IRANIAN_MOBILE_E164.test(e164);
}

/**
 * Iranian numbers in any common spelling, and foreign numbers already written in
 * international form ('+44 20 7946 0958'), so contacts abroad are not refused.
 */
export function normalizePhone(input: string): string {
  const cleaned = clean(input);
  const nsn = iranianNsn(cleaned);
  if (nsn !== null) return `+98${nsn}`;
  // A +98 number that failed the Iranian rules is wrong, not foreign.
  if (!cleaned.startsWith('+98') && FOREIGN_E164.test(cleaned)) return cleaned;
  throw invalid(input);
}
