import { EVENT_COLUMNS } from '../rows';
import type { SchemaNames } from './identifiers';

/** A named statement: `pg` prepares it once per connection, later calls skip parse and plan. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export interface Statements {
  readonly append: Statement;
  readonly appendBatch: Statement;
  readonly readAll: Statement;
  readonly head: Statement;
  readonly readForwards: Statement;
  readonly readBackwards: Statement;
  readonly findEvents: Statement;
  readonly streamRevision: Statement;
  readonly readSnapshot: Statement;
  readonly writeSnapshot: Statement;
}

/**
 * The visible range ends below the oldest transaction still in flight
 * (pg_snapshot_xmin): anything committed later has a larger transaction id,
 * so it can only sort after a checkpoint taken now. `held` says whether
 * committed events exist beyond that horizon, i.e. whether waiting helps.
 */
function visibility(s: string): string {
  return `
horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
head AS (
  SELECT e.transaction_id AS head_xid, e.position AS head_position FROM ${s}.events e
   WHERE e.transaction_id < (SELECT xmin FROM horizon)
   ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1),
held AS (
  -- One row-comparison bound, max(checkpoint, horizon): with two, the index scan may start at the
  -- checkpoint and walk every visible event up to the horizon. A scalar subquery with ORDER BY + LIMIT keeps it on
  -- the index (EXISTS would drop both and let the planner pick a sequential scan).
  SELECT (SELECT e.position FROM ${s}.events e
           WHERE (e.transaction_id, e.position) > (
             GREATEST($1::xid8, (SELECT xmin FROM horizon)),
             CASE WHEN $1::xid8 >= (SELECT xmin FROM horizon) THEN $2::bigint ELSE -1 END)
           ORDER BY e.transaction_id, e.position LIMIT 1) IS NOT NULL AS held)`;
}

export function statements(names: SchemaNames): Statements {
  const s = names.quoted;
  const named = (name: string, text: string): Statement => ({ name: `${names.schema}.${name}`, text });
  return {
    append: named('append', `SELECT next_revision, last_position FROM ${s}.append_to_stream($1, $2, $3, $4, $5::jsonb)`),
    appendBatch: named(
      'append_batch',
      `SELECT ord, next_revision, last_position, error_code, error_message, error_detail, error_constraint FROM ${s}.append_batch($1::jsonb)`,
    ),
    // $1/$2: exclusive start; $3 types, $4 categories, $5 tenant (NULL: no filter); $6 page size.
    readAll: named(
      'read_all',
      `WITH ${visibility(s)},
page AS (
  SELECT ${EVENT_COLUMNS} FROM ${s}.events e
   WHERE e.transaction_id < (SELECT xmin FROM horizon)
     AND (e.transaction_id, e.position) > ($1::xid8, $2::bigint)
     AND ($3::text[] IS NULL OR e.type = ANY ($3::text[]))
     AND ($4::text[] IS NULL OR e.category = ANY ($4::text[]))
     AND ($5::text IS NULL OR e.tenant_id = $5::text)
   ORDER BY e.transaction_id, e.position
   LIMIT $6::bigint)
-- No outer ORDER BY: a clause-less join to one row can only be a nested loop, which keeps the page's
-- index order, and a Sort here costs a tenth of the read. readVisible checks the order regardless.
SELECT held.held, head.head_xid, head.head_position, page.*
  FROM held LEFT JOIN head ON true LEFT JOIN page ON true`,
    ),
    head: named(
      'head',
      `WITH ${visibility(s)}
SELECT held.held, head.head_xid, head.head_position FROM held LEFT JOIN head ON true`,
    ),
    readForwards: named(
      'read_forwards',
      `SELECT ${EVENT_COLUMNS} FROM ${s}.events e
        WHERE e.tenant_id = $1 AND e.stream_id = $2 AND e.revision >= $3 ORDER BY e.revision LIMIT $4`,
    ),
    readBackwards: named(
      'read_backwards',
      `SELECT ${EVENT_COLUMNS} FROM ${s}.events e
        WHERE e.tenant_id = $1 AND e.stream_id = $2 AND e.revision <= $3 ORDER BY e.revision DESC LIMIT $4`,
    ),
    findEvents: named(
      'find_events',
      `SELECT ${EVENT_COLUMNS} FROM ${s}.events e WHERE e.tenant_id = $1 AND e.event_id = ANY ($2::text[]) ORDER BY e.revision`,
    ),
    streamRevision: named('stream_revision', `SELECT revision FROM ${s}.streams WHERE tenant_id = $1 AND stream_id = $2`),
    readSnapshot: named(
      'read_snapshot',
      `SELECT stream_id, tenant_id, revision, version, state FROM ${s}.snapshots WHERE tenant_id = $1 AND stream_id = $2`,
    ),
    // Concurrent handlers may write out of order: keep the newest, unless the decider's snapshot version changed.
    writeSnapshot: named(
      'write_snapshot',
      `INSERT INTO ${s}.snapshots AS old (tenant_id, stream_id, revision, version, state) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (tenant_id, stream_id) DO UPDATE
          SET revision = excluded.revision, version = excluded.version, state = excluded.state
        WHERE old.version <> excluded.version OR old.revision <= excluded.revision`,
    ),
  };
}
