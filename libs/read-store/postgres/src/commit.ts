import { splitState, type PendingChanges } from '@crm/shared/read-model';
import type { Param } from './sql-query';

/**
 * One statement commits a whole unit of work: every data-modifying CTE runs
 * in the statement's single implicit transaction, all or nothing. The unit
 * of work has already collapsed writes to one per document and per state, so
 * no row is touched twice. Inputs travel as JSON arrays, documents spliced in
 * as the JSON text they already are. Not durable, the statement sets
 * synchronous_commit off for its own implicit transaction: the commit does not
 * wait for the WAL flush (a crash may lose it, whole, never half of it).
 */
export function commitSql(schema: string, durable = true, fenced = false): string {
  // Fenced ($6 the lease, $7 its epoch): every write happens only if the lease row is still at that
  // epoch, locked FOR SHARE until the commit, so a takeover waits for this statement or makes it write nothing.
  const fence = fenced ? `fence AS (SELECT 1 FROM ${schema}.rm_leases WHERE name = $6 AND epoch = $7 FOR SHARE), ` : '';
  const held = fenced ? ' AND EXISTS (SELECT 1 FROM fence)' : '';
  const where = fenced ? ' WHERE EXISTS (SELECT 1 FROM fence)' : '';
  return `
WITH ${fence}${durable ? '' : `relaxed AS (SELECT set_config('synchronous_commit', 'off', true)), `}upserted AS (
  INSERT INTO ${schema}.rm_documents (collection, id, position, doc)
  SELECT c, i, p, d FROM jsonb_to_recordset($1::jsonb) AS w(c text, i text, p text, d jsonb)${where}
  ON CONFLICT (collection, id) DO UPDATE SET position = excluded.position, doc = excluded.doc
  RETURNING 1
), deleted AS (
  DELETE FROM ${schema}.rm_documents d USING jsonb_to_recordset($2::jsonb) AS w(c text, i text)
  WHERE d.collection = w.c AND d.id = w.i${held}
  RETURNING 1
), states AS (
  INSERT INTO ${schema}.rm_projection_states (name, checkpoint, details)
  SELECT n, k, d FROM jsonb_to_recordset($3::jsonb) AS s(n text, k text, d jsonb)${where}
  ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint, details = excluded.details
  RETURNING 1
), checkpoints AS (
  INSERT INTO ${schema}.rm_projection_states (name, checkpoint)
  SELECT n, k FROM jsonb_to_recordset($4::jsonb) AS s(n text, k text)${where}
  ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint
  RETURNING 1
), removed AS (
  DELETE FROM ${schema}.rm_projection_states WHERE name IN (SELECT jsonb_array_elements_text($5::jsonb))${held}
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM deleted) + (SELECT count(*) FROM states)
     + (SELECT count(*) FROM checkpoints) + (SELECT count(*) FROM removed)${durable ? '' : ' + (SELECT count(*) FROM relaxed)'} AS changed${
       fenced ? ', (SELECT count(*) FROM fence) AS fenced' : ''
     }`;
}

export function commitParams(changes: PendingChanges): Param[] {
  const upserts: string[] = [];
  const deletes: { c: string; i: string }[] = [];
  for (const write of changes.documents) {
    if (write.json === null) deletes.push({ c: write.collection, i: write.id });
    else
      upserts.push(
        `{"c":${JSON.stringify(write.collection)},"i":${JSON.stringify(write.id)},"p":${JSON.stringify(write.position ?? null)},"d":${write.json}}`,
      );
  }
  const states: string[] = [];
  const checkpoints: { n: string; k: string }[] = [];
  const removed: string[] = [];
  for (const write of changes.states) {
    if (write.kind === 'delete') removed.push(write.name);
    else if (write.kind === 'checkpoint') checkpoints.push({ n: write.name, k: write.checkpoint });
    else {
      const { checkpoint, details } = splitState(write.state);
      states.push(`{"n":${JSON.stringify(write.state.name)},"k":${JSON.stringify(checkpoint)},"d":${details}}`);
    }
  }
  return [`[${upserts.join(',')}]`, JSON.stringify(deletes), `[${states.join(',')}]`, JSON.stringify(checkpoints), JSON.stringify(removed)];
}
