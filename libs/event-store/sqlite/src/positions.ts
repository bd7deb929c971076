/**
 * Positions are the events table's rowid as a decimal string. Parsing them
 * strictly turns a checkpoint from another adapter into a clear error instead
 * of a silent rescan or skip.
 */
export function parsePosition(position: string): number {
  const value = /^(0|[1-9][0-9]*)$/.test(position) ? Number(position) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a SQLite event store position: "${position}"`);
  return value;
}

export function formatPosition(rowid: number | bigint): string {
  return String(rowid);
}

export function comparePositions(a: string, b: string): number {
  return Math.sign(parsePosition(a) - parsePosition(b));
}
