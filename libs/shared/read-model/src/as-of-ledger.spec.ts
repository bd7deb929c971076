import { ledgerIdsOfDay, ledgerIdsThrough, ledgerLevelOf, ledgerLevelOfId, loadLedgerTotals } from './as-of-ledger';
import { InMemoryReadStore } from './in-memory-read-store';
import type { SummaryDoc } from './projection';
import type { ReadStore } from './read-store';

const doc = (cells: Record<string, { dims: Record<string, string>; values: Record<string, number> }>): SummaryDoc => ({
  summary: true,
  cells,
});

describe('dated ledger', () => {
  it('names the year, month and day documents of an event’s business day', () => {
    expect(ledgerIdsOfDay('t:~asof', '2026-03-20')).toEqual(['t:~asof:2026', 't:~asof:2026-03', 't:~asof:2026-03-20']);
    expect(['t:x:2026', 't:x:2026-03', 't:x:2026-03-20', 't:x:2026-3', 't:y:2026'].map((id) => ledgerLevelOf('t:x', id))).toEqual([
      'year',
      'month',
      'day',
      undefined,
      undefined,
    ]);
  });

  it('reads every earlier year, the earlier months of the year and the days of the month up to the day, each once', () => {
    const ids = ledgerIdsThrough('p', '2026-03-02');
    expect(ids.slice(0, 2)).toEqual(['p:1900', 'p:1901']);
    expect(ids.slice(-5)).toEqual(['p:2025', 'p:2026-01', 'p:2026-02', 'p:2026-03-01', 'p:2026-03-02']);
    expect(ids).toHaveLength(126 + 2 + 2);
    expect(new Set(ids).size).toBe(ids.length);
    // The documents an event of any day up to the 2nd changes: exactly one of them is read; of a later day, none.
    for (const day of ['1900-01-01', '2025-12-31', '2026-01-31', '2026-02-28', '2026-03-01', '2026-03-02']) {
      expect(ledgerIdsOfDay('p', day).filter((id) => ids.includes(id))).toHaveLength(1);
    }
    for (const day of ['2026-03-03', '2026-04-01', '2027-01-01'])
      expect(ledgerIdsOfDay('p', day).filter((id) => ids.includes(id))).toEqual([]);
  });

  it('knows a ledger document of any tenant by its id, and no other', () => {
    expect(
      ['t1:~asof:2026', 'other-tenant:~asof:2026-03-20', 't1:~asof:2026-3', 't1:~summary:months:2026', 't1:~lead:x'].map(ledgerLevelOfId),
    ).toEqual(['year', 'day', undefined, undefined, undefined]);
  });

  it('loads the totals of several ledgers through a day in one read', async () => {
    const store = new InMemoryReadStore();
    const one = (count: number) => doc({ c: { dims: { k: 'a' }, values: { count } } });
    await store.transaction((tx) => {
      tx.put('c', 'p:2025', one(1));
      tx.put('c', 'p:2026-02', one(10));
      tx.put('c', 'p:2026-03-02', one(100));
      tx.put('c', 'p:2026-03-03', one(1000));
      tx.put('c', 'q:2026', one(7));
    });
    let reads = 0;
    const counted: Pick<ReadStore, 'getMany'> = {
      getMany: (collection, ids) => {
        reads += 1;
        return store.getMany(collection, ids);
      },
    };
    const [p, q] = await loadLedgerTotals(counted, 'c', ['p', 'q'], '2026-03-02');
    expect(reads).toBe(1);
    expect(p?.cells).toEqual({ '[["k","a"]]': { dims: { k: 'a' }, values: { count: 111 } } });
    expect(q).toEqual({ summary: true, cells: {} });
  });
});
