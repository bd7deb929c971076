import { isSummaryDoc, type ProjectionSummary, type ReadStore, type Scalar, type SummaryCell, type SummaryDoc } from '@crm/shared/read-model';

/**
 * A tenant's totals in two summary documents, so what a view reads does not grow with the history:
 * `all` holds every cell without its month (small, what the all-time views read), `months` the cells
 * that carry a month, packed one cell per dimensions with the month in the value names
 * (`2025-03|count`), so a month costs its numbers, not another copy of every dimension. Only a period
 * reads `months`. Both ids come from the event's tenant alone (a deal's or lead's old month is not on
 * the event), so each batch still rewrites both: `months` grows with the months, about 2–3× more slowly.
 */
export const summaryIds = (tenantId: string) => ({ all: `${tenantId}:~summary:all`, months: `${tenantId}:~summary:months` }) as const;

const SEPARATOR = '|';
const isAllTime = (summaryId: string): boolean => summaryId.endsWith(':~summary:all');

function withoutMonth(cell: SummaryCell): SummaryCell {
  if (!('month' in cell.dims)) return cell;
  const { month: _month, ...dims } = cell.dims;
  return { dims, values: cell.values };
}

/** The packed form of a cell with a month; undefined for a cell without one. */
function packed(cell: SummaryCell): SummaryCell | undefined {
  const month = cell.dims['month'];
  if (typeof month !== 'string') return undefined;
  const { month: _month, ...dims } = cell.dims;
  const values: Record<string, number> = {};
  for (const name of Object.keys(cell.values)) values[`${month}${SEPARATOR}${name}`] = cell.values[name] as number;
  return { dims, values };
}

/** The `months` document's cells, unpacked: one per dimensions and month, months whose figures all came to 0 left out. */
export function monthCells(doc: SummaryDoc): SummaryCell[] {
  const cells: SummaryCell[] = [];
  for (const { dims, values } of Object.values(doc.cells)) {
    const byMonth = new Map<string, Record<string, number>>();
    for (const [key, value] of Object.entries(values)) {
      const cut = key.indexOf(SEPARATOR);
      const month = key.slice(0, cut);
      const figures = byMonth.get(month) ?? {};
      figures[key.slice(cut + 1)] = value;
      byMonth.set(month, figures);
    }
    for (const [month, figures] of byMonth) {
      if (Object.values(figures).some((value) => value !== 0)) cells.push({ dims: { ...dims, month } as Record<string, Scalar>, values: figures });
    }
  }
  return cells;
}

/** `ProjectionSummary` members for a per-tenant summary split into `all` and `months` (a projection gives `cells`). */
export function monthSplitSummary<Doc extends object>(): Pick<ProjectionSummary<Doc>, 'place' | 'total'> {
  return {
    place: (cell, summaryId) => (isAllTime(summaryId) ? withoutMonth(cell) : packed(cell)),
    total: {
      // Both sides as the month-less cells plus the cells with their month: the two documents' contents, unpacked.
      of: (summaries) => [...summaries].flatMap(([id, doc]) => (isAllTime(id) ? Object.values(doc.cells) : monthCells(doc))),
      ofCells: (cells) => cells.flatMap((cell) => (typeof cell.dims['month'] === 'string' ? [withoutMonth(cell), cell] : [cell])),
    },
  };
}

/** One summary document; undefined when absent (no deal or lead yet, or a collection built before this split serves). */
export async function loadSummaryDoc(
  store: Pick<ReadStore, 'getMany'>,
  collection: string,
  id: string,
): Promise<SummaryDoc | undefined> {
  const doc = (await store.getMany(collection, [id])).get(id)?.doc;
  return isSummaryDoc(doc) ? doc : undefined;
}
