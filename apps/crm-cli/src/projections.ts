import type { ProjectionProgress } from '@crm/projections/runtime';
import type { AnyProjection } from '@crm/shared/read-model';
import { ALL_PROJECTIONS } from '@crm/platform';
import { UsageError } from './args';

/** `all` or one registered projection by name; the registry is the one the API and the projector run. */
export function selectProjections(target: string | undefined, registry: readonly AnyProjection[] = ALL_PROJECTIONS): AnyProjection[] {
  if (target === undefined) throw new UsageError('name a projection, or all');
  if (registry.length === 0) throw new UsageError('no projections are registered (libs/platform ALL_PROJECTIONS is empty)');
  if (target === 'all') return [...registry];
  const projection = registry.find((p) => p.name === target);
  if (!projection) throw new UsageError(`no projection named ${target}; registered: ${registry.map((p) => p.name).join(', ')}`);
  return [projection];
}

/** Done and total events of the log for a progress line; when finished, done is the whole total. */
export function progressCounts(progress: ProjectionProgress): { done: number; total: number | undefined } {
  const total = progress.totalEstimate;
  const done = progress.done && total !== undefined ? total : (progress.doneEstimate ?? progress.eventsApplied);
  return { done, total };
}

/**
 * Sums the latest progress of several projections running side by side, for
 * one line. Totals known from the start (each projection's distance from its
 * checkpoint to the head) keep the percentage from jumping back as
 * projections report for the first time.
 */
export class ProgressTotals {
  private readonly latest = new Map<string, { done: number; total: number | undefined }>();

  constructor(expected: ReadonlyMap<string, number | undefined> = new Map()) {
    for (const [name, total] of expected) this.latest.set(`${name}/catch-up`, { done: 0, total });
  }

  record(progress: ProjectionProgress): void {
    this.latest.set(`${progress.projection}/${progress.phase}`, progressCounts(progress));
  }

  get done(): number {
    return [...this.latest.values()].reduce((sum, p) => sum + p.done, 0);
  }

  get total(): number | undefined {
    let total = 0;
    for (const p of this.latest.values()) {
      if (p.total === undefined) return undefined;
      total += p.total;
    }
    return total;
  }
}
