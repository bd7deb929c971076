import type { AnyProjection, ReadStore } from '@crm/shared/read-model';

/** Every build gets its own physical collection, so a rebuild never writes where queries read. */
export function physicalCollection(projection: AnyProjection, generation: number): string {
  return `${projection.collection}_v${projection.version}_${generation}`;
}

/** The generation of one of this projection's builds of its current version, from its collection's name; else undefined. */
export function generationOf(projection: AnyProjection, collection: string): number | undefined {
  const prefix = `${projection.collection}_v${projection.version}_`;
  const rest = collection.startsWith(prefix) ? collection.slice(prefix.length) : '';
  return /^[1-9][0-9]*$/.test(rest) ? Number(rest) : undefined;
}

/** The state record of a rebuild in progress, next to the serving one. */
export function rebuildStateName(projection: string): string {
  return `${projection}~rebuild`;
}

/**
 * The record of a time-travel build (`crm-cli rebuild --as-of`) into `target`: its collection and version, so that an
 * erasure finds it among the builds it purges (it holds personal data as any build does).
 */
export function asOfStateName(projection: string, target: string): string {
  return `${projection}${AS_OF_MARK}${target}`;
}

const AS_OF_MARK = '~as-of:';

/** Whether a state records a time-travel build (asOfStateName). */
export function isAsOfState(name: string): boolean {
  return name.includes(AS_OF_MARK);
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
