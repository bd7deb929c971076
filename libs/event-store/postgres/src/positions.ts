/**
 * A global position is `<transaction id>/<position>`: $all is ordered by the
 * appending transaction first (see DESIGN.md "Storage"), so the identity
 * column alone cannot order or resume a reader.
 */
export interface GlobalPosition {
  readonly transactionId: string;
  readonly position: string;
}

// Canonical decimals only, so that compareDecimal can order them as strings.
const FORMAT = /^(0|[1-9]\d{0,19})\/(0|[1-9]\d{0,18})$/;

/** Where a read from the beginning starts: before every real transaction id. */
export const ORIGIN: GlobalPosition = { transactionId: '0', position: '0' };

export function parsePosition(checkpoint: string): GlobalPosition {
  const match = FORMAT.exec(checkpoint);
  if (!match) throw new RangeError(`not a PostgreSQL event store position: ${JSON.stringify(checkpoint)}`);
  return { transactionId: match[1] as string, position: match[2] as string };
}

export function formatPosition(transactionId: string, position: string): string {
  return `${transactionId}/${position}`;
}

/** Numeric, not lexical: xids and positions grow past any fixed width. */
export function comparePositions(a: string, b: string): number {
  const left = parsePosition(a);
  const right = parsePosition(b);
  return compareDecimal(left.transactionId, right.transactionId) || compareDecimal(left.position, right.position);
}

/** Orders canonical decimal strings (no sign, no leading zeros) without parsing them. */
export function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
