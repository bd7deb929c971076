import { EVENT_COLUMNS } from '../rows';
import { chainHashSql, headSql } from './append-functions.sql';
import type { SchemaNames } from './identifiers';

/** A named statement: `pg` prepares it once per connection, later calls skip parse and plan. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export interface Statements {
  readonly appendFirst: Statement;
  /** A new stream's first `count` events as one plain INSERT (statements.ts, appendFirstManySql). */
  appendFirstMany(count: number): Statement;
  readonly appendOne: Statement;
  readonly append: Statement;
  readonly appendBatch: Statement;
  readonly appendToStreams: Statement;
  /** The head (revision, hash) of each stream named: an ordered append's one read before its insert. */
  readonly heads: Statement;
  /** An ordered append's rows, chained by the client, as one multi-row INSERT (appendInOrderSql). */
  readonly appendInOrder: Statement;
  readonly readAll: Statement;
  /** readAll with a type or category filter: the page comes from read_all_page, held to the primary key's order. */
  readonly readAllFiltered: Statement;
  readonly head: Statement;
  readonly readForwards: Statement;
  readonly readBackwards: Statement;
  readonly findEvents: Statement;
  readonly streamRevision: Statement;
  readonly readSnapshot: Statement;
  readonly writeSnapshot: Statement;
}

/** One page of $all planned inline: unfiltered (or tenant-only), the primary-key walk is the obvious plan. */
function inlinePage(s: string): string {
  return `SELECT ${EVENT_COLUMNS} FROM ${s}.events e
   WHERE e.transaction_id < (SELECT xmin FROM horizon)
     AND (e.transaction_id, e.position) > ($1::xid8, $2::bigint)
     AND ($3::text[] IS NULL OR e.type = ANY ($3::text[]))
     AND ($4::text[] IS NULL OR e.category = ANY ($4::text[]))
     AND ($5::text IS NULL OR e.tenant_id = $5::text)
   ORDER BY e.transaction_id, e.position
   LIMIT $6::bigint`;
}

function readAllSql(s: string, page: string): string {
  return `WITH ${visibility(s)},
page AS (
  ${page})
-- No outer ORDER BY: a clause-less join to one row can only be a nested loop, which keeps the page's
-- index order, and a Sort here costs a tenth of the read. readVisible checks the order regardless.
SELECT held.held, head.head_xid, head.head_position, page.*
  FROM held LEFT JOIN head ON true LEFT JOIN page ON true`;
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
    appendFirst: named('append_first', appendFirstSql(names)),
    appendFirstMany: (count) => named(`append_first_${count}`, appendFirstManySql(names, count)),
    appendOne: named('append_one', appendOneSql(names)),
    append: named('append', `SELECT next_revision, last_position FROM ${s}.append_to_stream($1, $2, $3, $4, $5::jsonb)`),
    appendBatch: named(
      'append_batch',
      `SELECT ord, next_revision, last_position, error_code, error_message, error_detail, error_constraint FROM ${s}.append_batch($1::jsonb)`,
    ),
    appendToStreams: named('append_to_streams', `SELECT ord, next_revision, last_position FROM ${s}.append_to_streams($1, $2::jsonb)`),
    heads: named(
      'heads',
      `SELECT k.stream_id, h.revision, h.hash FROM unnest($2::text[]) AS k(stream_id)
         JOIN LATERAL (${headSql(s, '$1::text', 'k.stream_id')}) AS h ON true`,
    ),
    appendInOrder: named('append_in_order', appendInOrderSql(names)),
    // $1/$2: exclusive start; $3 types, $4 categories, $5 tenant (NULL: no filter); $6 page size.
    readAll: named('read_all', readAllSql(s, inlinePage(s))),
    readAllFiltered: named(
      'read_all_filtered',
      readAllSql(
        s,
        `SELECT ${EVENT_COLUMNS}
    FROM ${s}.read_all_page($1::xid8, $2::bigint, (SELECT xmin FROM horizon), $3::text[], $4::text[], $5::text, $6::bigint) e`,
      ),
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
    streamRevision: named(
      'stream_revision',
      `SELECT e.revision FROM ${s}.events e WHERE e.tenant_id = $1 AND e.stream_id = $2 ORDER BY e.revision DESC LIMIT 1`,
    ),
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

const APPEND_ONE_RETURNING = `RETURNING revision AS next_revision, transaction_id::text || '/' || position::text AS last_position`;

/**
 * The NOTIFY payload of a multi-row insert (`inserted` returning category and type): its distinct
 * `category:type` pairs, space-separated (notifications.ts). Empty, read as "of unknown kinds", should it
 * ever come near PostgreSQL's 8000-byte limit.
 */
const INSERTED_KINDS = `(SELECT CASE WHEN length(k.kinds) < 7900 THEN k.kinds ELSE '' END
          FROM (SELECT string_agg(DISTINCT i.category || ':' || i.type, ' ') AS kinds FROM inserted i) AS k)`;

/**
 * A single event that expects no stream: a bare INSERT of revision 0, whose
 * hash the client computed (its predecessor is the genesis hash). Revisions
 * are gap-free from 0, so "no stream" is "no revision 0", and the unique
 * (tenant_id, stream_id, revision) index checks exactly that: an existing
 * stream, or a creator that got there first, fails it with a unique violation.
 *
 * $1 tenant, $2 stream, $3 category, $4 event id, $5 type, $6 data, $7 metadata, $8 hash.
 */
function appendFirstSql(names: SchemaNames): string {
  return `INSERT INTO ${names.quoted}.events (tenant_id, stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash)
VALUES ($1::text, $2::text, $3::text, 0, $4::text, $5::text, $6::jsonb, $7::jsonb, '', $8::text)
${APPEND_ONE_RETURNING}, pg_notify('${names.channel}', $3::text || ':' || $5::text)`;
}

/** Most events a new stream's first append sends as a plain INSERT; longer ones use the append function. */
export const MAX_PLAIN_FIRST_EVENTS = 32;

/**
 * Several events that expect no stream: their whole chain follows from the
 * genesis hash, so the client computes it and sends a plain multi-row INSERT
 * of revisions 0..count-1 — no function, no jsonb array to unpack. As for a
 * single event, the unique (tenant_id, stream_id, revision) index refuses it
 * whole when the stream exists or another creator got there first.
 *
 * $1 tenant, $2 stream, $3 category; then per event: id, type, data, metadata, prev_hash, hash.
 */
function appendFirstManySql(names: SchemaNames, count: number): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const at = 4 + i * 6;
    return `($1::text, $2::text, $3::text, ${i}, $${at}::text, $${at + 1}::text, $${at + 2}::jsonb, $${at + 3}::jsonb, $${at + 4}::text, $${at + 5}::text)`;
  });
  return `WITH inserted AS (
  INSERT INTO ${names.quoted}.events (tenant_id, stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash)
  VALUES ${rows.join(', ')}
  RETURNING revision, transaction_id, position, category, type)
SELECT max(revision) AS next_revision, max(transaction_id)::text || '/' || max(position)::text AS last_position,
       pg_notify('${names.channel}', ${INSERTED_KINDS}) FROM inserted`;
}

/**
 * An ordered batch (ordered-append.ts): every event with its revision and hash
 * chain computed by the client from the heads it read, inserted in the order
 * given, so $all keeps it. The unique (tenant_id, stream_id, revision) key
 * refuses the whole statement if another writer took one of those revisions.
 * Returns one row: the transaction id and, per event inserted, its stream,
 * revision and position.
 *
 * $1 tenant; $2 a jsonb array of { stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash }.
 */
function appendInOrderSql(names: SchemaNames): string {
  return `WITH inserted AS (
  INSERT INTO ${names.quoted}.events (tenant_id, stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash)
  SELECT $1::text, r.stream_id, r.category, r.revision, r.event_id, r.type, r.data, r.metadata, r.prev_hash, r.hash
    FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (stream_id text, category text, revision bigint, event_id text, type text,
                                                       data jsonb, metadata jsonb, prev_hash text, hash text))
         WITH ORDINALITY AS r(stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash, ord)
   ORDER BY r.ord
  RETURNING stream_id, revision, transaction_id, position, category, type)
SELECT max(transaction_id)::text AS xid, array_agg(stream_id) AS stream_ids, array_agg(revision) AS revisions,
       array_agg(position) AS positions, pg_notify('${names.channel}', ${INSERTED_KINDS}) FROM inserted`;
}

/**
 * Any other single-event append as one plain statement: no function call, no
 * jsonb array to unpack. It reads the head (the stream's last event, or
 * revision -1 and the genesis hash), checks the expectation, chains the hash
 * and inserts. An unmet expectation inserts nothing and returns no row; a
 * concurrent append that took the same revision first makes it fail on
 * events_stream_revision_key (see append-functions.sql.ts).
 *
 * $1 tenant, $2 stream, $3 category, $4 'any' | 'stream_exists' | 'exact',
 * $5 the exact revision (else NULL), $6 event id, $7 type, $8 data, $9 metadata, $10 content hash.
 */
function appendOneSql(names: SchemaNames): string {
  const s = names.quoted;
  // A LEFT JOIN LATERAL from a one-row relation yields the head or NULLs: measurably cheaper than a CTE
  // and an aggregate. ORDER BY ... LIMIT 1 keeps the lookup on the unique index even while the table is new.
  return `INSERT INTO ${s}.events (tenant_id, stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash)
SELECT $1::text, $2::text, $3::text, h.revision + 1, $6::text, $7::text, $8::jsonb, $9::jsonb, h.hash,
       ${chainHashSql('h.hash', 'h.revision + 1', '$10::text')}
  FROM (SELECT coalesce(last.revision, -1) AS revision, coalesce(last.hash, '') AS hash
          FROM (SELECT) AS one
          LEFT JOIN LATERAL (SELECT e.revision, e.hash FROM ${s}.events e
                              WHERE e.tenant_id = $1::text AND e.stream_id = $2::text ORDER BY e.revision DESC LIMIT 1) AS last ON true) AS h
 WHERE CASE $4::text
         WHEN 'any' THEN true
         WHEN 'stream_exists' THEN h.revision >= 0
         ELSE h.revision = $5::bigint
       END
${APPEND_ONE_RETURNING}, pg_notify('${names.channel}', $3::text || ':' || $7::text)`;
}
