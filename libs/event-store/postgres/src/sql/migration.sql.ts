import { appendFunctionsSql } from './append-functions.sql';
import type { SchemaNames } from './identifiers';

/**
 * Idempotent DDL, sent as one multi-statement simple query, which PostgreSQL
 * runs as one implicit transaction (no explicit BEGIN: after an error it would
 * hand a connection in an aborted transaction back to the pool). The advisory lock
 * serialises concurrent migrations of the same schema: CREATE ... IF NOT EXISTS
 * and CREATE OR REPLACE FUNCTION both fail when two sessions race on them.
 */
export function migrationSql(names: SchemaNames): string {
  const s = names.quoted;
  return `
SELECT pg_advisory_xact_lock(hashtext('crm.event_store.migrate'), hashtext('${names.schema}'));
CREATE SCHEMA IF NOT EXISTS ${s};

-- One row per stream: its head, and the row every append to the stream locks.
CREATE TABLE IF NOT EXISTS ${s}.streams (
  tenant_id      text   NOT NULL,
  stream_id      text   NOT NULL,
  revision       bigint NOT NULL,
  hash           text   NOT NULL,
  transaction_id xid8   NOT NULL,
  position       bigint NOT NULL,
  CONSTRAINT streams_pkey PRIMARY KEY (tenant_id, stream_id)
);

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

CREATE TABLE IF NOT EXISTS ${s}.snapshots (
  tenant_id text    NOT NULL,
  stream_id text    NOT NULL,
  revision  bigint  NOT NULL,
  version   integer NOT NULL,
  state     jsonb   NOT NULL,
  CONSTRAINT snapshots_pkey PRIMARY KEY (tenant_id, stream_id)
);
${appendFunctionsSql(names)}
`;
}
