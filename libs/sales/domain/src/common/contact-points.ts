import { compact, matchKey, normalizeEmail, normalizePhone, present } from '@crm/shared/kernel';

/** Email and phone as typed (for display) and normalised (for matching and sending). */
export interface ContactPoints {
  readonly email?: string;
  readonly normalizedEmail?: string;
  readonly phone?: string;
  readonly phoneE164?: string;
}

/** Throws the kernel's InvalidValueError (EMAIL.INVALID / PHONE.INVALID): bad input, not a refused rule. */
export function contactPoints(input: { readonly email?: string; readonly phone?: string }): ContactPoints {
  const email = present(input.email);
  const phone = present(input.phone);
  return compact({
    email,
    normalizedEmail: email === undefined ? undefined : normalizeEmail(email),
    phone,
    phoneE164: phone === undefined ? undefined : normalizePhone(phone),
  });
}

/**
 * Dedupe keys, prefixed so an application can index them in one column:
 * 'email:maryam@example.com', 'phone:+989123456789'.
 */
export function matchKeysOf(points: ContactPoints): string[] {
  const keys: string[] = [];
  if (points.normalizedEmail !== undefined) keys.push(`email:${points.normalizedEmail}`);
  if (points.phoneE164 !== undefined) keys.push(`phone:${points.phoneE164}`);
  return keys;
}

/** The keys the application looks up before capturing a lead, computed exactly as the decider does. */
export function contactMatchKeys(input: { readonly email?: string; readonly phone?: string }): string[] {
  return matchKeysOf(contactPoints(input));
}

/**
 * Completes an update of name, email or phone with the keys derived from them, so the
 * event alone says how the record now matches; match keys only when a contact point moved.
 */
export function withDerivedKeys<T extends { fullName?: string; email?: string; phone?: string }>(
  current: ContactPoints,
  changed: T,
): { changes: T & ContactPoints & { nameKey?: string }; matchKeys?: string[] } {
  const changes = compact({
    ...changed,
    nameKey: changed.fullName === undefined ? undefined : matchKey(changed.fullName),
    normalizedEmail: changed.email === undefined ? undefined : normalizeEmail(changed.email),
    phoneE164: changed.phone === undefined ? undefined : normalizePhone(changed.phone),
  }) as T & ContactPoints & { nameKey?: string };
  const moved = changed.email !== undefined || changed.phone !== undefined;
  return compact({ changes, matchKeys: moved ? matchKeysOf({ ...current, ...changes }) : undefined });
}
