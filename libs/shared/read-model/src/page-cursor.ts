import { createHmac, timingSafeEqual } from 'node:crypto';

/** The cursor does not fit this list: not one this route gave, or given with other filters, sort or order. */
export class InvalidCursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/** The key a cursor's tag is made with: the server's own, so that no client can make one up. */
export type CursorKey = Buffer;

const sameText = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const tag = (key: CursorKey, body: string, bound: string): string =>
  createHmac('sha256', key).update(body).update('\u0000').update(bound).digest('base64url').slice(0, 22);

/**
 * `<content>.<tag>`: where a page of a keyset-paged list ends (its last row's sort value and id, say) in base64url
 * JSON, and a keyed tag over it and `bound` (the tenant and every filter of the list, as the list spells them): a
 * cursor altered by hand, or given with other filters, is refused rather than read as the start of another page.
 */
export function sealCursor(content: object, bound: string, key: CursorKey): string {
  const body = Buffer.from(JSON.stringify(content), 'utf8').toString('base64url');
  return `${body}.${tag(key, body, bound)}`;
}

/**
 * What `sealCursor` sealed, when the cursor's tag is the one `key` makes over it and `bound`; otherwise
 * `InvalidCursorError(refusal)`. The caller still checks the content's shape.
 */
export function openCursor(cursor: string, bound: string, key: CursorKey, refusal: string): Record<string, unknown> {
  const [body, given, ...more] = cursor.split('.');
  const expected = body === undefined ? '' : tag(key, body, bound);
  if (body === undefined || given === undefined || more.length > 0 || !sameText(given, expected)) throw new InvalidCursorError(refusal);
  let content: unknown;
  try {
    content = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(refusal);
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new InvalidCursorError(refusal);
  return content as Record<string, unknown>;
}
