import type { Position } from '@kurrent/kurrentdb-client';

/**
 * The port's checkpoint is an opaque string; ours is ESDB's `$all` position as
 * `commit:prepare` in decimal. Both parts are 64-bit, beyond Number's exact
 * range, so they are compared as BigInt, commit first. Every checkpoint this
 * adapter hands out starts a record the server wrote and is never past the
 * newest domain event: a read's or a live subscription's is a domain event's
 * position; a catching-up subscription's may be one the server reported
 * scanning to (a checkpoint event), capped at the head it read at start.
 */
const POSITION = /^(\d+):(\d+)$/;

export function encodePosition(position: Position): string {
  return `${position.commit.toString(10)}:${position.prepare.toString(10)}`;
}

export function decodePosition(checkpoint: string): Position {
  const match = POSITION.exec(checkpoint);
  if (!match) throw new Error(`not an EventStoreDB checkpoint: ${JSON.stringify(checkpoint)} (expected "commit:prepare")`);
  return { commit: BigInt(match[1] as string), prepare: BigInt(match[2] as string) };
}

export function comparePositions(a: string, b: string): number {
  const x = decodePosition(a);
  const y = decodePosition(b);
  if (x.commit !== y.commit) return x.commit < y.commit ? -1 : 1;
  if (x.prepare !== y.prepare) return x.prepare < y.prepare ? -1 : 1;
  return 0;
}

/** The later of two checkpoints, where undefined means "before everything". */
export function laterPosition(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}

/** The checkpoint of an empty append to a stream that has no events yet. */
export const ORIGIN_POSITION = '0:0';
