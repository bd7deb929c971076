import type { SchemaNames } from './identifiers';

/** SQLSTATEs the append function raises; class "ES" is unused by PostgreSQL itself. */
export const WRONG_EXPECTED_REVISION = 'ES001';
export const EVENT_IDS_ALREADY_STORED = 'ES002';

/** The unique key that makes a stream's revisions gap-free and arbitrates concurrent appends to one stream. */
export const STREAM_REVISION_KEY = 'events_stream_revision_key';
export const EVENT_ID_KEY = 'events_event_id_key';

/** The chain step as one SQL expression; it mirrors `chainHash` in hash-chain.ts exactly. */
export function chainHashSql(prevHash: string, revision: string, contentHash: string): string {
  return `encode(sha256(convert_to(${prevHash} || E'\\n' || (${revision})::text || E'\\n' || ${contentHash}, 'UTF8')), 'hex')`;
}

/**
 * A stream's head is its last event: the (tenant_id, stream_id, revision)
 * unique index finds it in one backward probe. There is no head row and no
 * lock: two appends that read the same head both insert the same next
 * revision, and the unique index lets exactly one of them through (the other
 * waits for it to commit, then fails with a unique violation the client
 * resolves: a wrong expected revision, or a retry for `any`/`stream_exists`).
 */
export function headSql(s: string, tenant: string, stream: string): string {
  return `SELECT e.revision, e.hash, e.transaction_id, e.position FROM ${s}.events e
     WHERE e.tenant_id = ${tenant} AND e.stream_id = ${stream} ORDER BY e.revision DESC LIMIT 1`;
}

/**
 * Takes, in one global order, a transaction-level advisory lock for each stream an append of several streams writes
 * (`streams`: rows of tenant and stream). Two such appends sharing a stream then wait for each other before either
 * inserts, instead of each inserting a next revision the other waits for (crossing orders deadlocked: PostgreSQL found
 * the cycle after deadlock_timeout and aborted one). The two-key form is apart from the one-key form's space; the class
 * key names this schema, as the migration's lock does.
 */
function lockStreamsSql(names: SchemaNames, streams: string): string {
  return `FOR v_lock IN SELECT DISTINCT hashtext(l.tenant_id || E'\\n' || l.stream_id) FROM (${streams}) l ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(hashtext('crm.event_store.streams.${names.schema}'), v_lock);
  END LOOP;`;
}

/**
 * The append of any number of events (and the empty append, a bare revision
 * check) is one function, so that it costs one round trip and one commit.
 * Single events take the plain-SQL statement in statements.ts instead.
 *
 * p_expected is 'any' | 'no_stream' | 'stream_exists' | a decimal revision.
 * Returns the new stream revision and the last event's `<xid>/<position>`.
 */
export function appendFunctionsSql(names: SchemaNames): string {
  const s = names.quoted;
  return `
CREATE OR REPLACE FUNCTION ${s}.append_to_stream(
  p_tenant_id text, p_stream_id text, p_category text, p_expected text, p_events jsonb,
  OUT next_revision bigint, OUT last_position text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_revision bigint;
  v_hash text;
  v_xid xid8;
  v_position bigint;
  v_first bigint;
  v_ok boolean;
  v_count integer := jsonb_array_length(p_events);
  v_prevs text[] := '{}';
  v_hashes text[] := '{}';
BEGIN
  ${headSql(s, 'p_tenant_id', 'p_stream_id')}
    INTO v_revision, v_hash, v_xid, v_position;
  IF NOT FOUND THEN
    v_revision := -1;
    v_hash := '';
  END IF;

  -- Assigned first: an IF condition would end at the CASE's first THEN.
  v_ok := CASE p_expected
      WHEN 'any' THEN true
      WHEN 'no_stream' THEN v_revision = -1
      WHEN 'stream_exists' THEN v_revision >= 0
      ELSE v_revision = p_expected::bigint
    END;
  IF NOT v_ok THEN
    -- A retried command usually arrives with a now-stale expected revision: let the client resolve it as a retry.
    IF EXISTS (SELECT 1 FROM ${s}.events e
                WHERE e.tenant_id = p_tenant_id
                  AND e.event_id IN (SELECT x->>'eventId' FROM jsonb_array_elements(p_events) x)) THEN
      RAISE EXCEPTION 'event ids already stored' USING ERRCODE = '${EVENT_IDS_ALREADY_STORED}';
    END IF;
    RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = '${WRONG_EXPECTED_REVISION}', DETAIL = v_revision::text;
  END IF;

  IF v_count = 0 THEN
    next_revision := v_revision;
    last_position := CASE WHEN v_revision < 0 THEN '0/0' ELSE v_xid::text || '/' || v_position::text END;
    RETURN;
  END IF;

  v_xid := pg_current_xact_id();
  v_first := v_revision + 1;
  FOR i IN 0 .. v_count - 1 LOOP
    v_revision := v_revision + 1;
    v_prevs := v_prevs || v_hash;
    v_hash := ${chainHashSql('v_hash', 'v_revision', "(p_events -> i ->> 'contentHash')")};
    v_hashes := v_hashes || v_hash;
  END LOOP;

  WITH inserted AS (
    INSERT INTO ${s}.events (transaction_id, tenant_id, stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash)
    SELECT v_xid, p_tenant_id, p_stream_id, p_category, v_first + e.ord - 1, e.value ->> 'eventId', e.value ->> 'type',
           e.value -> 'data', e.value -> 'metadata', v_prevs[e.ord], v_hashes[e.ord]
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord)
     ORDER BY e.ord
    RETURNING position
  )
  SELECT max(inserted.position) INTO v_position FROM inserted;

  -- What was appended, as the plain statements say it (notifications.ts): the stream's category and each type.
  PERFORM pg_notify('${names.channel}',
                    (SELECT string_agg(DISTINCT p_category || ':' || (x ->> 'type'), ' ') FROM jsonb_array_elements(p_events) x));
  next_revision := v_revision;
  last_position := v_xid::text || '/' || v_position::text;
END
$fn$;

-- Group commit: many appends in one statement and one transaction. Each runs
-- in its own sub-block, so a refused append rolls back alone and is reported
-- in its row instead of failing the batch. Its streams' locks are taken first, in
-- the order append_to_streams takes them, so neither waits on the other in a cycle.
CREATE OR REPLACE FUNCTION ${s}.append_batch(p_appends jsonb)
RETURNS TABLE (ord integer, next_revision bigint, last_position text,
               error_code text, error_message text, error_detail text, error_constraint text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_append jsonb;
  v_result record;
  v_lock integer;
BEGIN
  ${lockStreamsSql(names, "SELECT a.value ->> 'tenantId' AS tenant_id, a.value ->> 'streamId' AS stream_id FROM jsonb_array_elements(p_appends) a")}
  ord := 0;
  FOR v_append IN SELECT a.value FROM jsonb_array_elements(p_appends) a LOOP
    ord := ord + 1;
    next_revision := NULL; last_position := NULL;
    error_code := NULL; error_message := NULL; error_detail := NULL; error_constraint := NULL;
    BEGIN
      SELECT r.next_revision, r.last_position INTO v_result
        FROM ${s}.append_to_stream(v_append ->> 'tenantId', v_append ->> 'streamId', v_append ->> 'category',
                                   v_append ->> 'expected', v_append -> 'events') r;
      next_revision := v_result.next_revision;
      last_position := v_result.last_position;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE, error_message = MESSAGE_TEXT,
                              error_detail = PG_EXCEPTION_DETAIL, error_constraint = CONSTRAINT_NAME;
    END;
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- Atomic multi-stream append: every stream of the call in this one statement's
-- transaction, so a refusal of any rolls back all; the streams are written in
-- the caller's order, which is their order in $all, after their locks are taken
-- in one global order (lockStreamsSql). A refusal is raised again
-- with its own SQLSTATE, detail and constraint, and the caller's index of the
-- stream as HINT, so the client can name the stream that refused.
CREATE OR REPLACE FUNCTION ${s}.append_to_streams(p_tenant_id text, p_appends jsonb)
RETURNS TABLE (ord integer, next_revision bigint, last_position text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_append jsonb;
  v_result record;
  v_lock integer;
  v_code text; v_message text; v_detail text; v_constraint text;
BEGIN
  ${lockStreamsSql(names, "SELECT p_tenant_id AS tenant_id, a.value ->> 'streamId' AS stream_id FROM jsonb_array_elements(p_appends) a")}
  FOR v_append IN SELECT a.value FROM jsonb_array_elements(p_appends) a LOOP
    ord := (v_append ->> 'index')::integer;
    BEGIN
      SELECT r.next_revision, r.last_position INTO v_result
        FROM ${s}.append_to_stream(p_tenant_id, v_append ->> 'streamId', v_append ->> 'category',
                                   v_append ->> 'expected', v_append -> 'events') r;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_code = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                              v_detail = PG_EXCEPTION_DETAIL, v_constraint = CONSTRAINT_NAME;
      RAISE EXCEPTION USING ERRCODE = v_code, MESSAGE = v_message, DETAIL = v_detail,
                            CONSTRAINT = v_constraint, HINT = ord::text;
    END;
    next_revision := v_result.next_revision;
    last_position := v_result.last_position;
    RETURN NEXT;
  END LOOP;
END
$fn$;
`;
}
