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

/**
 * What a list's cursor is bound to: the tenant, each of the list's filters named in `names` (null when absent), then
 * whatever else the list adds (its sort's document field, say). `names` is the list's own constant, in a fixed order.
 */
export function cursorBinding<F extends object>(tenantId: string, filters: F, names: readonly (keyof F)[], ...extra: unknown[]): string {
  return JSON.stringify([tenantId, names.map((name) => filters[name] ?? null), ...extra]);
}

/**
 * `true` when every filter of `F` is bound (`Bound`) or is no filter (`Other`: limit, cursor…); otherwise the filters
 * left out, so that `const bound: EveryFilterBound<…> = true` fails to compile when a filter added to a list is not
 * added to its cursor's binding (a cursor would then cross lists).
 */
export type EveryFilterBound<F, Bound extends keyof F, Other extends keyof F> = [Exclude<keyof F, Bound | Other>] extends [never]
  ? true
  : Exclude<keyof F, Bound | Other>;

/**
 * A keyset page read one row past its limit (`find` with `limit + 1`), so that it knows whether another page follows:
 * its rows, and the last of them when one does (what the next cursor is made from). A page that ends the list then
 * gives no cursor, rather than one leading to an empty page (an outside probe).
 */
export function pageOfLookAhead<T>(
  rows: readonly T[],
  limit: number,
): { readonly rows: readonly T[]; readonly lastBeforeMore: T | undefined } {
  if (rows.length <= limit) return { rows, lastBeforeMore: undefined };
  const page = rows.slice(0, limit);
  return { rows: page, lastBeforeMore: page[page.length - 1] };
}
