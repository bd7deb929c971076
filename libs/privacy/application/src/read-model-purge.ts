import { storedData, type RecordedEvent } from '@crm/shared/event-sourcing';
import { ERASED, isSealed } from '@crm/shared/personal-data';
import type { ReadStore } from '@crm/shared/read-model';

/**
 * Values shorter than this are blanked only where they are a whole string (a field holding just that name): a
 * two-letter name must not blank every word it is part of.
 */
const SHORTEST = 3;
const PAGE = 500;

/** Every string in a value that `replace` rewrites, copied only where something changed. */
function scrub(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) {
    const out = value.map((item) => scrub(item, replace));
    return out.some((item, i) => item !== value[i]) ? out : value;
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = scrub(item, replace);
      changed ||= out[key] !== item;
    }
    return changed ? out : value;
  }
  return value;
}

/** Which read models a purge goes through. */
export interface PurgeScope {
  /** Only these collections (the ones a runner that stopped its lanes writes); every projection's by default. */
  readonly only?: readonly string[];
  /**
   * Projections whose read models hold no opened personal data (`readsPersonalData: false`, checked by
   * `personal-data-reads.spec`): their collections are left as they are. Text there equal to the person's is some
   * other record's, and a rebuild keeps it too.
   */
  readonly without?: readonly string[];
}

/**
 * The purge pass of an erasure: in every read model that holds personal data, each occurrence of one
 * of the person's values becomes ERASED. Read models are built from opened
 * events, so they hold plaintext; once the keys are gone a rebuild would
 * write the markers anyway, and this pass makes the live models agree now.
 * Pages by id (keyset), so a collection costs one pass however large it is.
 * Returns the number of documents rewritten.
 */
export async function purgeReadModels(store: ReadStore, values: readonly string[], scope: PurgeScope = {}): Promise<number> {
  const needles = [...new Set(values.filter((value) => value.length >= SHORTEST && value !== ERASED))].sort((a, b) => b.length - a.length);
  const whole = new Set(values.filter((value) => value.length < SHORTEST && value.trim() !== ''));
  if (needles.length === 0 && whole.size === 0) return 0;
  const replace = (text: string): string => {
    if (whole.has(text)) return ERASED;
    let out = text;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(ERASED);
    return out;
  };
  const without = new Set(scope.without ?? []);
  const collections = new Set(
    scope.only ?? (await store.listStates()).flatMap((state) => (state.collection && !without.has(state.name) ? [state.collection] : [])),
  );
  let rewritten = 0;
  for (const collection of collections) {
    for (let after: string | undefined; ;) {
      const page = await store.find(collection, { limit: PAGE, ...(after === undefined ? {} : { after: { values: [], id: after } }) });
      const changed = page.flatMap((record) => {
        const doc = scrub(record.doc, replace);
        return doc === record.doc ? [] : [{ ...record, doc: doc as object }];
      });
      if (changed.length > 0) {
        await store.transaction((tx) => {
          for (const record of changed) tx.put(collection, record.id, record.doc, record.position);
        });
        rewritten += changed.length;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]?.id;
    }
  }
  return rewritten;
}

/** The opened values of an event's sealed fields: the person's data that a purge searches the read models for. */
export function personalValuesOf(event: RecordedEvent, out: string[] = []): string[] {
  const walk = (stored: unknown, opened: unknown): void => {
    if (isSealed(stored)) stringsOf(opened, out);
    else if (typeof stored === 'object' && stored !== null && typeof opened === 'object' && opened !== null) {
      for (const [key, value] of Object.entries(stored)) walk(value, (opened as Record<string, unknown>)[key]);
    }
  };
  walk(storedData(event), event.data);
  return out;
}

function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) stringsOf(item, out);
  return out;
}
