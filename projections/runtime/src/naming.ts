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

/**
 * Whether `collection` has the form of a projection's own builds, `<collection>_v<version>_<generation>` (of any
 * projection, version and generation): a name a rebuild may take, so never a time-travel target.
 */
export function hasBuildForm(collection: string): boolean {
  return /_v[0-9]+_[0-9]+$/.test(collection);
}

/**
 * Every collection the store's records hold: each state's (serving builds, builds in progress, as-of builds) and every
 * retired build awaiting its drop, with the state that holds it. `except`: states to leave out.
 */
export async function recordedCollections(
  store: ReadStore,
  except: (state: string) => boolean = () => false,
): Promise<Map<string, { readonly state: string; readonly retired: boolean }>> {
  const recorded = new Map<string, { readonly state: string; readonly retired: boolean }>();
  for (const state of await store.listStates()) {
    if (except(state.name)) continue;
    if (state.collection) recorded.set(state.collection, { state: state.name, retired: false });
    for (const entry of state.retired ?? []) recorded.set(entry.collection, { state: state.name, retired: true });
  }
  return recorded;
}

/**
 * The first generation from `from` on whose collection is free: recorded nowhere (recordedCollections, but for the
 * states `except` leaves out) and, with `skipExisting`, holding no document (a collection nothing records, such as a
 * time-travel build made under a version name before those were refused, is then neither taken nor emptied).
 */
export async function freeGeneration(
  store: ReadStore,
  projection: AnyProjection,
  from: number,
  { except, skipExisting = false }: { readonly except?: (state: string) => boolean; readonly skipExisting?: boolean } = {},
): Promise<number> {
  const recorded = await recordedCollections(store, except);
  for (let generation = Math.max(1, from); ; generation += 1) {
    const collection = physicalCollection(projection, generation);
    if (recorded.has(collection)) continue;
    if (!skipExisting || (await store.count(collection)) === 0) return generation;
  }
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

/** The projection a state record is of (`<name>`, `<name>~rebuild`, `<name>~as-of:<target>`, …). */
export function projectionOfState(state: string): string {
  const mark = state.indexOf('~');
  return mark === -1 ? state : state.slice(0, mark);
}

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
