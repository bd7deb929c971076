import type { Event } from '@crm/shared/event-sourcing';
import {
  isSummaryDoc,
  type ProjectionSummary,
  type ReadStore,
  type Scalar,
  type SummaryCell,
  type SummaryDoc,
} from '@crm/shared/read-model';

/**
 * A tenant's totals in several summary documents, so what a view reads does not grow with the history: one per
 * kind of cell (`pipeline`, `owner`, …), each without the month, so the all-time views read only the few cells
 * they show; and `months`, the cells that carry a month, packed one cell per dimensions with the month in the value
 * names, one cell per year (`year: '2025'`, `03|count`), so a month costs its numbers, not another copy of every
 * dimension, and a cell stays at most twelve months wide whatever the history. Only a period reads
 * `months`. The ids come from the event's tenant alone (a deal's or lead's old month is not on the event), so a
 * batch rewrites `months` too: it still grows with the months of history, about 2–3× more slowly than before.
 */
export const summaryId = (tenantId: string, part: string): string => `${tenantId}:~summary:${part}`;
export const MONTHS = 'months';

const partOf = (id: string): string => id.slice(id.lastIndexOf(':~summary:') + ':~summary:'.length);

const SEPARATOR = '|';

function withoutMonth(cell: SummaryCell): SummaryCell {
  if (!('month' in cell.dims)) return cell;
  const { month: _month, ...dims } = cell.dims;
  return { dims, values: cell.values };
}

/** The packed form of a cell with a month ('YYYY-MM'): its year a dimension, its month in the value names; undefined without one. */
function packedMonth(cell: SummaryCell): SummaryCell | undefined {
  const month = cell.dims['month'];
  if (typeof month !== 'string') return undefined;
  const { month: _month, ...dims } = cell.dims;
  const cut = month.lastIndexOf('-');
  const values: Record<string, number> = {};
  for (const name of Object.keys(cell.values)) values[`${month.slice(cut + 1)}${SEPARATOR}${name}`] = cell.values[name] as number;
  return { dims: { ...dims, year: month.slice(0, cut) }, values };
}

/** The `months` document's cells, unpacked: one per dimensions and month, months whose figures all came to 0 left out. */
export function monthCells(doc: SummaryDoc): SummaryCell[] {
  const cells: SummaryCell[] = [];
  for (const { dims: packedDims, values } of Object.values(doc.cells)) {
    const { year, ...dims } = packedDims;
    const byMonth = new Map<string, Record<string, number>>();
    for (const [key, value] of Object.entries(values)) {
      const cut = key.indexOf(SEPARATOR);
      const month = `${String(year)}-${key.slice(0, cut)}`;
      const figures = byMonth.get(month) ?? {};
      figures[key.slice(cut + 1)] = value;
      byMonth.set(month, figures);
    }
    for (const [month, figures] of byMonth) {
      if (Object.values(figures).some((value) => value !== 0))
        cells.push({ dims: { ...dims, month } as Record<string, Scalar>, values: figures });
    }
  }
  return cells;
}

/**
 * The figures of a months document's cells of one `kind`, each summed over its months in [firstMonth, endMonth)
 * (either bound left out: open on that side): one cell per packed cell (its dimensions, `year` among them), cells
 * with no figure in the range or whose figures all come to 0 there left out. For a period's whole months: the same
 * sums as `monthCells` filtered by kind and month, without a cell per month (a view sums them at once). Written for
 * the read path (thousands of cells per request): a year inside the range takes every value, only the years at
 * its bounds look at the months.
 */
export function monthTotals(doc: SummaryDoc, kind: string, firstMonth?: string, endMonth?: string): SummaryCell[] {
  const firstYear = firstMonth?.slice(0, 4);
  const endYear = endMonth?.slice(0, 4);
  const cells: SummaryCell[] = [];
  for (const cell of Object.values(doc.cells)) {
    const dims = cell.dims;
    if (dims['kind'] !== kind) continue;
    const year = String(dims['year']);
    if ((firstYear !== undefined && year < firstYear) || (endYear !== undefined && year > endYear)) continue;
    const whole = (firstYear === undefined || year > firstYear) && (endYear === undefined || year < endYear);
    const values = cell.values;
    const sums: Record<string, number> = {};
    let live = false;
    for (const key in values) {
      const cut = key.indexOf(SEPARATOR);
      if (!whole) {
        const month = `${year}-${key.slice(0, cut)}`;
        if ((firstMonth !== undefined && month < firstMonth) || (endMonth !== undefined && month >= endMonth)) continue;
      }
      const value = values[key] as number;
      const name = key.slice(cut + 1);
      sums[name] = (sums[name] ?? 0) + value;
      if (value !== 0) live = true;
    }
    if (live && Object.values(sums).some((value) => value !== 0)) cells.push({ dims, values: sums });
  }
  return cells;
}

/**
 * A cell with some of its dimensions (`moved`, strings without the separator) moved into its value names:
 * `{ kind, campaignId, status: 'won', currency: 'IRR' }` → `{ count }` becomes `{ kind, campaignId }` →
 * `{ 'won|IRR|count' }`, so the cells of one campaign share one set of dimensions (and one key) in the document.
 */
function packedBy(cell: SummaryCell, moved: readonly string[]): SummaryCell {
  const dims: Record<string, Scalar> = { ...cell.dims };
  let prefix = '';
  for (const name of moved) {
    const value = dims[name];
    if (typeof value !== 'string' || value.includes(SEPARATOR)) {
      throw new Error(`summary cell: ${name} ${JSON.stringify(value)} cannot be packed into a value name`);
    }
    prefix += `${value}${SEPARATOR}`;
    delete dims[name];
  }
  const values: Record<string, number> = {};
  for (const name of Object.keys(cell.values)) values[`${prefix}${name}`] = cell.values[name] as number;
  return { dims, values };
}

/**
 * The cells of a document packed by `moved` (packedBy), unpacked: one per dimensions, those whose figures all came to
 * 0 left out (a packed cell keeps its zeros while another of its figures is not 0). A cell whose value names carry no
 * separator is handed back as it is (a document built before the packing).
 */
export function unpackedCells(doc: SummaryDoc, moved: readonly string[]): SummaryCell[] {
  // Written for the read path (a view unpacks thousands of cells per request): no entries arrays, spreads or closures.
  const cells: SummaryCell[] = [];
  for (const cell of Object.values(doc.cells)) {
    const values = cell.values;
    let groups: Map<string, { dims: Record<string, Scalar>; values: Record<string, number>; live: boolean }> | undefined;
    let plain = false;
    for (const key in values) {
      const cut = key.lastIndexOf(SEPARATOR);
      if (cut < 0) {
        plain = true;
        break;
      }
      const prefix = key.slice(0, cut);
      groups ??= new Map();
      let group = groups.get(prefix);
      if (group === undefined) {
        const dims: Record<string, Scalar> = Object.assign({}, cell.dims);
        const parts = moved.length === 1 ? [prefix] : prefix.split(SEPARATOR);
        for (let i = 0; i < moved.length; i += 1) dims[moved[i] as string] = parts[i] ?? null;
        group = { dims, values: {}, live: false };
        groups.set(prefix, group);
      }
      const value = values[key] as number;
      group.values[key.slice(cut + 1)] = value;
      if (value !== 0) group.live = true;
    }
    if (plain || groups === undefined) {
      cells.push(cell);
      continue;
    }
    for (const group of groups.values()) if (group.live) cells.push({ dims: group.dims, values: group.values });
  }
  return cells;
}

/**
 * `ProjectionSummary` members for a per-tenant summary split by the cells' `kind` (`kinds`: every kind `cells` gives)
 * and into `months`. `packed` names, per kind, dimensions moved into the value names of that kind's document
 * (packedBy): a kind whose cells grow with an entity (a campaign) then keeps one cell per entity. `monthParts` sends a
 * kind's month cells to a months document of its own (packed the same way as `months`), so a view that reads one kind
 * by month does not read the others' months.
 */
export function monthSplitSummary<Doc extends object, E extends Event>(
  kinds: readonly string[],
  packed: Readonly<Record<string, readonly string[]>> = {},
  monthParts: Readonly<Record<string, string>> = {},
): Pick<ProjectionSummary<Doc, E>, 'documentId' | 'place' | 'total'> {
  const monthDocs = new Set([MONTHS, ...Object.values(monthParts)]);
  const parts = [...kinds, ...monthDocs];
  const placed = (cell: SummaryCell, part: string): SummaryCell => {
    const moved = packed[part];
    return moved === undefined ? withoutMonth(cell) : packedBy(withoutMonth(cell), moved);
  };
  const contents = (part: string, doc: SummaryDoc): readonly SummaryCell[] => {
    if (monthDocs.has(part)) return monthCells(doc);
    const moved = packed[part];
    return moved === undefined ? Object.values(doc.cells) : unpackedCells(doc, moved);
  };
  const monthPartOf = (cell: SummaryCell): string => monthParts[String(cell.dims['kind'])] ?? MONTHS;
  return {
    documentId: (event) => parts.map((part) => summaryId(event.metadata.tenantId, part)),
    place: (cell, id) => {
      const part = partOf(id);
      if (monthDocs.has(part)) return monthPartOf(cell) === part ? packedMonth(cell) : undefined;
      return cell.dims['kind'] === part ? placed(cell, part) : undefined;
    },
    total: {
      // Both sides as the month-less cells plus the cells with their month: the documents' contents, unpacked.
      of: (summaries) => [...summaries].flatMap(([id, doc]) => contents(partOf(id), doc)),
      ofCells: (cells) => cells.flatMap((cell) => (typeof cell.dims['month'] === 'string' ? [withoutMonth(cell), cell] : [cell])),
    },
  };
}

/** One summary document; undefined when absent (no deal or lead yet, or a collection built before this split serves). */
export async function loadSummaryDoc(store: Pick<ReadStore, 'getMany'>, collection: string, id: string): Promise<SummaryDoc | undefined> {
  const doc = (await store.getMany(collection, [id])).get(id)?.doc;
  return isSummaryDoc(doc) ? doc : undefined;
}
