import type Database from 'better-sqlite3';
import type { AllFilter } from '@crm/shared/event-sourcing';
import { EVENT_COLUMNS, type EventRow } from './statements';

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
 * Plan choice matters for rebuilds: a single type or category is served by its
 * index, which already yields position order. Anything else scans the primary
 * key from the checkpoint (`+col` keeps the planner off the other indexes):
 * an index probe there would need a sort of every later match on each page,
 * making a full catch-up quadratic, while the scan stays linear overall.
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
      where.push(`${types.length === 1 ? '' : '+'}type IN (${placeholders(types.length)})`);
      params.push(...types);
    }
    if (categories) {
      // When both are single-valued one index suffices; the other must not compete for ORDER BY.
      const indexed = categories.length === 1 && types?.length !== 1;
      where.push(`${indexed ? '' : '+'}category IN (${placeholders(categories.length)})`);
      params.push(...categories);
    }
    if (filter?.tenantId !== undefined) {
      where.push('+tenant_id = ?');
      params.push(filter.tenantId);
    }
    params.push(limit);
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`;
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
