import { complaintKpiCells, KPI_SLOT_MONTHS_KEPT, keptSlotMonths } from './complaint-kpi-cells';
import type { ComplaintKpiRow } from './complaint-kpis.projection';

/** A complaint received on the first of month `m` months after 2000-01, acknowledged two days later. */
function complaint(m: number): ComplaintKpiRow {
  const month = (offset: number, day: number) => new Date(Date.UTC(2000, m + offset, day, 9)).toISOString();
  return {
    tenantId: 't',
    complaintId: `c${m}`,
    receivedAt: month(0, 1),
    channel: 'email',
    category: 'billing',
    categoryKey: 'billing',
    acknowledgeBy: month(0, 5),
    resolveBy: month(1, 1),
    steps: [{ kind: 'acknowledged', at: month(0, 3) }],
    lastRevision: 1,
  } as ComplaintKpiRow;
}

const byValue = (row: ComplaintKpiRow) =>
  complaintKpiCells(row)
    .map((cell) => JSON.stringify([cell.dims, cell.values]))
    .sort();

describe('complaint KPI cells over centuries of months', () => {
  it('keep the slots of a bounded number of months, and the same cells by value for a month asked again', () => {
    const first = complaint(0);
    const before = byValue(first);
    // 300 years of months: the slots of the earliest are let go as later ones come.
    for (let m = 1; m < 3600; m += 1) {
      complaintKpiCells(complaint(m));
      expect(keptSlotMonths()).toBeLessThanOrEqual(KPI_SLOT_MONTHS_KEPT);
    }
    expect(keptSlotMonths()).toBe(KPI_SLOT_MONTHS_KEPT);
    // A new row of the first complaint (rows are kept by identity, so another object) gets fresh slots: same cells.
    expect(byValue({ ...first, steps: [...first.steps] })).toEqual(before);
    expect(before.length).toBeGreaterThan(3);
  });
});
