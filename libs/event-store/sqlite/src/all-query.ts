import type Database from 'better-sqlite3';
import type { AllFilter } from '@crm/shared/event-sourcing';
import { BOUND_LIMIT, EVENT_COLUMNS, type EventRow } from './statements';

type Param = string | number;

export interface AllQuery {
  readonly statement: Database.Statement<Param[], EventRow>;
  readonly params: Param[];
}

const MAX_CACHED_SHAPES = 64;

/**
 * Builds `$all` reads with the filter in SQL, one prepared statement per
 * filter shape (how many types, how many categories, tenant or not).
 *
 * Every page scans the primary key from the checkpoint, in position order,
 * with the filter applied to each row: linear over a whole catch-up, whatever
 * the filter. There is no type or category index to pick instead (schema.ts:
 * each index is a page more for every append to write), and `+col` keeps the
 * planner off any index a file may still have.
 */
export class AllQueries {
  private readonly cache = new Map<string, Database.Statement<Param[], EventRow>>();

  constructor(private readonly db: Database.Database) {}

  build(after: number, limit: number, filter: AllFilter | undefined): AllQuery {
    const where = ['position > ?'];
    const params: Param[] = [after];
    const types = filter?.eventTypes;
    const categories = filter?.categories;
    if (types) {
      where.push(`+type IN (${placeholders(types.length)})`);
      params.push(...types);
    }
    if (categories) {
      where.push(`+category IN (${placeholders(categories.length)})`);
      params.push(...categories);
    }
    if (filter?.tenantId !== undefined) {
      where.push('+tenant_id = ?');
      params.push(filter.tenantId);
    }
    params.push(limit);
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position ${BOUND_LIMIT}`;
    return { statement: this.statementFor(sql), params };
  }

  private statementFor(sql: string): Database.Statement<Param[], EventRow> {
    let statement = this.cache.get(sql);
    if (!statement) {
      // Filter shapes come from code, so few exist; the cap only guards against a caller generating them.
      if (this.cache.size >= MAX_CACHED_SHAPES) this.cache.clear();
      statement = this.db.prepare<Param[], EventRow>(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
