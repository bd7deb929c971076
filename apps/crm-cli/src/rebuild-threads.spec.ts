import { ALL_PROJECTIONS } from '@crm/platform';
import type { AnyProjection } from '@crm/shared/read-model';
import { UsageError } from './args';
import { REBUILD_THREAD_POOL_SIZE, slowestThread, splitProjections, threadOptions, workerEnv } from './rebuild-threads';

const names = (groups: readonly (readonly AnyProjection[])[]) => groups.map((group) => group.map((p) => p.name));

describe('crm-cli rebuild all on threads: how the projections are split', () => {
  it('puts every projection in exactly one group, in the registry order inside each', () => {
    for (const threads of [1, 2, 3, 4]) {
      const groups = splitProjections(ALL_PROJECTIONS, threads);
      expect(groups).toHaveLength(threads);
      const flat = groups.flat().map((p) => p.name);
      expect([...flat].sort()).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
      for (const group of groups) {
        const order = group.map((p) => ALL_PROJECTIONS.indexOf(p));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
  });

  it('gives complaint-kpis, the heaviest rebuild, a group with fewer projections than the other', () => {
    const groups = names(splitProjections(ALL_PROJECTIONS, 2));
    const kpis = groups.find((group) => group.includes('complaint-kpis')) as string[];
    const other = groups.find((group) => !group.includes('complaint-kpis')) as string[];
    expect(kpis.length).toBeLessThan(other.length);
    expect(other).toEqual(expect.arrayContaining(['pipeline-opportunities', 'pipeline-leads', 'complaint-audit']));
  });

  it('never makes more groups than projections', () => {
    expect(names(splitProjections(ALL_PROJECTIONS.slice(0, 2), 4))).toEqual(ALL_PROJECTIONS.slice(0, 2).map((p) => [p.name]));
  });

  it('reads CRM_REBUILD_THREADS and CRM_REBUILD_HEAP_MB, refusing nonsense', () => {
    expect(threadOptions({ CRM_REBUILD_THREADS: '3', CRM_REBUILD_HEAP_MB: '256' })).toEqual({ threads: 3, heapMb: 256 });
    expect(threadOptions({}).heapMb).toBe(320);
    expect(() => threadOptions({ CRM_REBUILD_THREADS: '0' })).toThrow(UsageError);
    expect(() => threadOptions({ CRM_REBUILD_HEAP_MB: 'lots' })).toThrow(UsageError);
  });

  it("opens each thread's PostgreSQL pools small unless CRM_POSTGRES_POOL_SIZE is set", () => {
    expect(workerEnv({ CRM_EVENT_STORE: 'postgres' })).toEqual({
      CRM_EVENT_STORE: 'postgres',
      CRM_POSTGRES_POOL_SIZE: String(REBUILD_THREAD_POOL_SIZE),
    });
    expect(workerEnv({ CRM_POSTGRES_POOL_SIZE: '7' })['CRM_POSTGRES_POOL_SIZE']).toBe('7');
  });
});

describe('crm-cli rebuild all on threads: one progress line', () => {
  it('follows the slowest thread, counting one that has not reported as at 0, and never goes back', () => {
    const line = slowestThread(2);
    // Thread 0 reports first: thread 1 has not started, so the line says 0 (it said 12% and then fell to 5%).
    expect(line(0, 'complaint-kpis', 12_296)).toBe(0);
    expect(line(1, 'pipeline-leads', 5_480)).toBe(5_480);
    expect(line(1, 'pipeline-leads', 22_081)).toBe(12_296);
    expect(line(0, 'complaint-kpis', 30_000)).toBe(22_081);
    // A build that reports late in its thread (resumed at start, then joined by the scan) does not pull it back.
    expect(line(1, 'marketing-lists', 0)).toBe(22_081);
    expect(line(1, 'marketing-lists', 40_000)).toBe(22_081);
    expect(line(1, 'pipeline-leads', 50_000)).toBe(30_000);
  });
});
