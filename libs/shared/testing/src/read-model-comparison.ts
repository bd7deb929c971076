import { canonicalJson } from '@crm/shared/event-sourcing';
import type { ReadStore } from '@crm/shared/read-model';

/** projection name → its documents as `{ id, position, doc }` in canonical JSON, sorted by id. */
export type ReadModelSnapshot = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * Every document of each projection's collection (`collections`: projection
 * name → physical collection), with the position it was last written at:
 * two builds from the same events must agree on both.
 */
export async function snapshotReadModels(store: ReadStore, collections: ReadonlyMap<string, string>): Promise<ReadModelSnapshot> {
  const snapshot = new Map<string, ReadonlyMap<string, string>>();
  for (const [name, collection] of collections) {
    const records = await store.find(collection);
    const documents = [...records]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((record) => [record.id, canonicalJson({ position: record.position ?? null, doc: record.doc })] as const);
    snapshot.set(name, new Map(documents));
  }
  return snapshot;
}

/** The differences, a few per projection, readable in a failed expectation; empty when identical. */
export function diffReadModels(expected: ReadModelSnapshot, actual: ReadModelSnapshot, perProjection = 3): string[] {
  const diffs: string[] = [];
  for (const name of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(name);
    const got = actual.get(name);
    if (!want || !got) {
      diffs.push(`${name}: ${want ? 'missing' : 'unexpected'} projection`);
      continue;
    }
    const found: string[] = [];
    if (want.size !== got.size) found.push(`${name}: ${want.size} documents expected, ${got.size} found`);
    for (const id of new Set([...want.keys(), ...got.keys()])) {
      if (found.length >= perProjection) break;
      const a = want.get(id);
      const b = got.get(id);
      if (a === b) continue;
      const cut = (text: string | undefined) => (text === undefined ? 'nothing' : text.length > 300 ? `${text.slice(0, 300)}…` : text);
      found.push(`${name}/${id}: expected ${cut(a)}, found ${cut(b)}`);
    }
    diffs.push(...found);
  }
  return diffs;
}
