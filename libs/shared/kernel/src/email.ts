import { domainToUnicode } from 'node:url';
import { InvalidValueError } from './errors';
import { toAsciiDigits } from './persian-text';

/**
 * A pragmatic check, not RFC 5322: it catches typos and pasted junk while accepting
 * every address people actually use, including internationalized ones (علی@مثال.ایران).
 * Dots and "+tags" are kept: folding them is provider-specific and would merge
 * distinct mailboxes on most domains.
 */

const MAX_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
// Bidi marks (the Arabic letter mark among them) and BOM that RTL editors wrap around Latin text when it is copied.
const INVISIBLE = /[\u061C\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const LOCAL_PART = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}-]{0,61}[\p{L}\p{M}\p{N}])?$/u;
const TOP_LEVEL_DOMAIN = /^(?:\p{L}[\p{L}\p{M}]{1,62}|xn--[a-z0-9-]{1,59})$/u;

function normalized(input: string): string | null {
  const email = toAsciiDigits(input.normalize('NFKC').replace(INVISIBLE, '')).trim().toLowerCase();
  if (email.length > MAX_LENGTH) return null;
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (at < 0 || local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local)) return null;
  const labels = domain.split('.');
  const tld = labels[labels.length - 1] ?? '';
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label)) || !TOP_LEVEL_DOMAIN.test(tld)) {
    return null;
  }
  return email;
}

/**
 * One mailbox in one form for telling whether two records name the same person (an erasure's `email:` contact points):
 * a normalised address whose domain is in punycode (`xn--mgbh0fb.xn--mgba3a4f16a`) read as the Unicode it stands for
 * (`مثال.ایران`). Other contact points, and a label that is no valid punycode, stay as they are. Dedupe keys keep the
 * address as normalised (folding them would change the keys of addresses on file).
 */
export function contactPointForm(point: string): string {
  if (!point.startsWith('email:')) return point;
  const at = point.lastIndexOf('@');
  const domain = point.slice(at + 1);
  if (at < 0 || !domain.split('.').some((label) => label.startsWith('xn--'))) return point;
  const unicode = domainToUnicode(domain);
  // Normalised as a Unicode address is (NFKC, lower case, ASCII digits): xn--mgbh0fb77f reads مثال۱, typed مثال1.
  const address = unicode === '' ? null : normalized(`${point.slice('email:'.length, at)}@${unicode}`);
  return address === null ? point : `email:${address}`;
}

/** Trimmed, NFKC, lower-case, ASCII digits; throws EMAIL.INVALID unless it looks like local@domain.tld. */
export function normalizeEmail(input: string): string {
  const email = normalized(input);
  if (email === null) throw new InvalidValueError('EMAIL.INVALID', `Not a valid email address: "${input}"`);
  return email;
}

export function isEmail(input: string): boolean {
  return normalized(input) !== null;
}
