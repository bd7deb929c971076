import { appendFunctionsSql } from './append-functions.sql';
import type { SchemaNames } from './identifiers';

/**
 * Idempotent DDL, sent as one multi-statement simple query, which PostgreSQL
 * runs as one implicit transaction (no explicit BEGIN: after an error it would
 * hand a connection in an aborted transaction back to the pool). The advisory lock
 * serialises concurrent migrations of the same schema: CREATE ... IF NOT EXISTS
 * and CREATE OR REPLACE FUNCTION both fail when two sessions race on them.
 */
/** Rows the events table must change by before autovacuum first analyzes it (see below). */
const ANALYZE_THRESHOLD = 1000;

export function migrationSql(names: SchemaNames): string {
  const s = names.quoted;
  return `
SELECT pg_advisory_xact_lock(hashtext('crm.event_store.migrate'), hashtext('${names.schema}'));
CREATE SCHEMA IF NOT EXISTS ${s};

-- Earlier versions kept each stream's head in a table of its own; the head is now the stream's last event.
DROP TABLE IF EXISTS ${s}.streams;

-- $all order is (transaction_id, position): readers stop below the oldest
-- in-flight transaction, so a late commit can never land behind a checkpoint.
CREATE TABLE IF NOT EXISTS ${s}.events (
  position       bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id xid8   NOT NULL DEFAULT pg_current_xact_id(),
  tenant_id      text   NOT NULL,
  stream_id      text   NOT NULL,
  category       text   NOT NULL,
  revision       bigint NOT NULL,
  event_id       text   NOT NULL,
  type           text   NOT NULL,
  data           jsonb  NOT NULL,
  metadata       jsonb  NOT NULL,
  prev_hash      text   NOT NULL,
  hash           text   NOT NULL,
  CONSTRAINT events_pkey PRIMARY KEY (transaction_id, position),
  CONSTRAINT events_stream_revision_key UNIQUE (tenant_id, stream_id, revision),
  CONSTRAINT events_event_id_key UNIQUE (tenant_id, event_id)
);

-- Appends find a stream's head through a cached generic plan. Statistics taken while the table is a few
-- pages make a sequential scan look cheapest, and that plan would stay cached as the table grows, until the
-- next ANALYZE: milliseconds per append. Unanalyzed, the planner sizes the table at no less than 10 pages
-- and keeps the unique index, so autovacuum's first ANALYZE waits until the index clearly pays (~300 rows).
DO $do$ BEGIN
  IF NOT coalesce((SELECT 'autovacuum_analyze_threshold=${ANALYZE_THRESHOLD}' = ANY (c.reloptions)
                     FROM pg_class c WHERE c.oid = '${s}.events'::regclass), false) THEN
    ALTER TABLE ${s}.events SET (autovacuum_analyze_threshold = ${ANALYZE_THRESHOLD});
  END IF;
END $do$;

CREATE TABLE IF NOT EXISTS ${s}.snapshots (
  tenant_id text    NOT NULL,
  stream_id text    NOT NULL,
  revision  bigint  NOT NULL,
  version   integer NOT NULL,
  state     jsonb   NOT NULL,
  CONSTRAINT snapshots_pkey PRIMARY KEY (tenant_id, stream_id)
);
-- One page of $all in (transaction_id, position) order. A filtered page planned freely flips, with the page
-- size and the filter's selectivity, to scanning every later event and sorting them, on every page: a rebuild
-- then costs O(events × pages). Walking the primary key in order reads each event once however selective the
-- filter, so the planner is held to it here (SET applies only while this function runs).
CREATE OR REPLACE FUNCTION ${s}.read_all_page(
  after_xid xid8, after_position bigint, below_xid xid8, types text[], categories text[], tenant text, page_size bigint)
RETURNS SETOF ${s}.events LANGUAGE sql STABLE
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
AS $fn$
  SELECT * FROM ${s}.events e
   WHERE e.transaction_id < below_xid
     AND (e.transaction_id, e.position) > (after_xid, after_position)
     AND (types IS NULL OR e.type = ANY (types))
     AND (categories IS NULL OR e.category = ANY (categories))
     AND (tenant IS NULL OR e.tenant_id = tenant)
   ORDER BY e.transaction_id, e.position
   LIMIT page_size
$fn$;
${appendFunctionsSql(names)}
`;
}
