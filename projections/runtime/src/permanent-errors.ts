/**
 * A write the store will refuse on every retry: retrying would loop forever, so the
 * runner stops the projection at that batch instead, with the reason in its status.
 * Adapters mark their own (`permanent: true`, e.g. MongoDB's document over 16 MiB);
 * drivers' codes that mean "never" are recognised here: SQLite's too big / datatype
 * mismatch, PostgreSQL's data exceptions (22xxx, e.g. \u0000 in jsonb) and limits (54xxx).
 */
export function isPermanentWriteError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { permanent, code } = error as { permanent?: unknown; code?: unknown };
  if (permanent === true) return true;
  if (typeof code !== 'string') return false;
  if (code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH') return true;
  return /^(22|54)[0-9A-Z]{3}$/.test(code);
}
