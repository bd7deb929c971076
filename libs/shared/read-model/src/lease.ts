import type { Lease } from './read-store';

/** A lease as an adapter keeps it: expiry in epoch milliseconds. */
export interface LeaseRow {
  readonly owner: string;
  readonly epoch: number;
  readonly expiresAtMs: number;
}

/**
 * The one lease rule every adapter applies inside its own transaction: a free
 * lease starts at epoch 1; its owner renews it at the same epoch (even after
 * it lapsed, since nobody else took it); an expired one goes to the asker at
 * the next epoch; a live one held by another stays theirs (undefined).
 */
export function nextLease(current: LeaseRow | undefined, owner: string, nowMs: number, ttlMs: number): LeaseRow | undefined {
  const expiresAtMs = nowMs + Math.max(1, Math.floor(ttlMs));
  if (!current) return { owner, epoch: 1, expiresAtMs };
  if (current.owner === owner) return { owner, epoch: current.epoch, expiresAtMs };
  if (current.expiresAtMs <= nowMs) return { owner, epoch: current.epoch + 1, expiresAtMs };
  return undefined;
}

export function leaseOf(name: string, row: LeaseRow): Lease {
  return { name, owner: row.owner, epoch: row.epoch, expiresAt: new Date(row.expiresAtMs).toISOString() };
}
