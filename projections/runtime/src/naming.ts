import type { AnyProjection, ReadStore } from '@crm/shared/read-model';

/** Every build gets its own physical collection, so a rebuild never writes where queries read. */
export function physicalCollection(projection: AnyProjection, generation: number): string {
  return `${projection.collection}_v${projection.version}_${generation}`;
}

/** The state record of a rebuild in progress, next to the serving one. */
export function rebuildStateName(projection: string): string {
  return `${projection}~rebuild`;
}

/** The record of collections a rebuild replaced, dropped after the grace period. */
export function retiredStateName(projection: string): string {
  return `${projection}~retired`;
}

/**
 * The physical collection queries should read for a projection, for readers
 * in another process than the runner (the projector topology). In-process,
 * ask the runner: `runner.collectionOf(name)`.
 */
export async function activeCollection(store: ReadStore, projection: string): Promise<string | undefined> {
  return (await store.loadState(projection))?.collection;
}
