type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/**
 * Drops keys whose value is undefined. Stored events go through JSON, which drops them
 * too, so an event built in memory and the same event read back stay deep-equal and a
 * replayed state matches the live one.
 */
export function compact<T extends object>(value: T): Defined<T> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = field;
  return out as Defined<T>;
}
