import { splitState, type PendingChanges } from '@crm/shared/read-model';
import { tableOf, type Param } from './sql-query';

/** A unit of work's writes as one statement, and the collections it upserts into (their tables must exist). */
export interface CommitStatement {
  readonly text: string;
  readonly values: Param[];
  readonly written: readonly string[];
}

/**
 * One statement commits a whole unit of work: every data-modifying CTE runs
 * in the statement's single implicit transaction, all or nothing. The unit
 * of work has already collapsed writes to one per document and per state, so
 * no row is touched twice. Each collection's upserts and deletes are CTEs on
 * its own table; inputs travel as JSON arrays, documents spliced in as the
 * JSON text they already are. Deletes from a collection whose table does not
 * exist are left out (`exists`): there is nothing to delete. Not durable, the
 * statement sets synchronous_commit off for its own transaction: the commit
 * does not wait for the WAL flush (a crash may lose it, whole, never half of it).
 * Fenced (the last two parameters: the lease and its epoch), every write
 * happens only if the lease row is still at that epoch, locked FOR SHARE until
 * the commit, so a takeover waits for this statement or makes it write nothing.
 */
export function commitStatement(
  schema: string,
  changes: PendingChanges,
  options: { readonly durable: boolean; readonly fence?: { readonly lease: string; readonly epoch: number } },
  exists: (collection: string) => boolean,
): CommitStatement {
  const values: Param[] = [];
  const param = (value: Param) => {
    values.push(value);
    return `$${values.length}`;
  };
  const byCollection = new Map<string, { upserts: string[]; deletes: string[] }>();
  for (const write of changes.documents) {
    let entry = byCollection.get(write.collection);
    if (!entry) byCollection.set(write.collection, (entry = { upserts: [], deletes: [] }));
    if (write.json === null) entry.deletes.push(write.id);
    else entry.upserts.push(`{"i":${JSON.stringify(write.id)},"p":${JSON.stringify(write.position ?? null)},"d":${write.json}}`);
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

  const ctes: string[] = [];
  const counted: string[] = [];
  const fenced = options.fence !== undefined;
  const where = fenced ? ' WHERE EXISTS (SELECT 1 FROM fence)' : '';
  const held = fenced ? ' AND EXISTS (SELECT 1 FROM fence)' : '';
  const cte = (name: string, body: string) => {
    ctes.push(`${name} AS (${body})`);
    counted.push(`(SELECT count(*) FROM ${name})`);
  };
  if (options.fence) {
    ctes.push(
      `fence AS (SELECT 1 FROM ${schema}.rm_leases WHERE name = ${param(options.fence.lease)} AND epoch = ${param(options.fence.epoch)} FOR SHARE)`,
    );
  }
  if (!options.durable) cte('relaxed', `SELECT set_config('synchronous_commit', 'off', true)`);
  const written: string[] = [];
  let n = 0;
  for (const [collection, { upserts, deletes }] of byCollection) {
    const table = tableOf(schema, collection);
    if (upserts.length > 0) {
      written.push(collection);
      cte(
        `u${n}`,
        `INSERT INTO ${table} (id, position, doc) SELECT i, p, d FROM jsonb_to_recordset(${param(`[${upserts.join(',')}]`)}::jsonb) AS w(i text, p text, d jsonb)${where}
  ON CONFLICT (id) DO UPDATE SET position = excluded.position, doc = excluded.doc RETURNING 1`,
      );
    }
    if (deletes.length > 0 && (upserts.length > 0 || exists(collection))) {
      cte(
        `d${n}`,
        `DELETE FROM ${table} t WHERE t.id IN (SELECT jsonb_array_elements_text(${param(JSON.stringify(deletes))}::jsonb))${held} RETURNING 1`,
      );
    }
    n += 1;
  }
  if (states.length > 0) {
    cte(
      'states',
      `INSERT INTO ${schema}.rm_projection_states (name, checkpoint, details)
  SELECT n, k, d FROM jsonb_to_recordset(${param(`[${states.join(',')}]`)}::jsonb) AS s(n text, k text, d jsonb)${where}
  ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint, details = excluded.details RETURNING 1`,
    );
  }
  if (checkpoints.length > 0) {
    cte(
      'checkpoints',
      `INSERT INTO ${schema}.rm_projection_states (name, checkpoint)
  SELECT n, k FROM jsonb_to_recordset(${param(JSON.stringify(checkpoints))}::jsonb) AS s(n text, k text)${where}
  ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint RETURNING 1`,
    );
  }
  if (removed.length > 0) {
    cte(
      'removed',
      `DELETE FROM ${schema}.rm_projection_states WHERE name IN (SELECT jsonb_array_elements_text(${param(JSON.stringify(removed))}::jsonb))${held} RETURNING 1`,
    );
  }
  const changed = counted.length > 0 ? counted.join(' + ') : '0';
  const text = `${ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n` : ''}SELECT ${changed} AS changed${fenced ? ', (SELECT count(*) FROM fence) AS fenced' : ''}`;
  return { text, values, written };
}
