import type { EventStore, RecordedEvent, Subscription } from '@crm/shared/event-sourcing';
import { openValue, sealValue, type DataKeys, type SubjectKeyRef } from '@crm/shared/personal-data';
import type { ReadStore } from '@crm/shared/read-model';
import { purgeErasedRecords, type ErasedRecords, type PurgedModel } from './read-model-purge';

/**
 * A projection runner as an erasure needs it (ProjectionRunner.quiesce): its lanes finish the
 * batch in hand and stop, `work` runs with their projections and collections, then they start
 * again from their checkpoints with empty document caches.
 */
export interface QuiescingRunner {
  quiesce<T>(work: (lanes: readonly PurgedModel[]) => Promise<T>): Promise<T>;
}

/** What an erasure asks of the projections that run beside it: the erased records (`purgeErasedRecords`). */
export interface PurgeRequest extends ErasedRecords {
  /** The erasure's own stream (`data-subject-…`), when it is known. */
  readonly erasure?: string;
}

/**
 * The barrier between an erasure and the projections run in this process (on the read-side
 * worker thread or inline): resolves once they have forgotten the records' keys and their
 * collections are purged, with no batch that opened events before it still to commit.
 */
export interface ErasureBarrier {
  purge(request: PurgeRequest): Promise<number>;
}
export const ERASURE_BARRIER = Symbol('ErasureBarrier');

/**
 * The barrier itself, where the runner is: stop every lane that reads personal data after its
 * batch in hand, forget the keys (the key store has already lost them, so no batch after this
 * opens the records), refold the erased records' documents in the lanes' collections from the log
 * as it reads now, start the lanes again with empty document caches. `eventStore` is the runner's
 * (the personal-data layer). Returns the documents rewritten.
 */
export function purgeQuiesced(
  runner: QuiescingRunner,
  readStore: ReadStore,
  eventStore: EventStore,
  keys: DataKeys | undefined,
  request: PurgeRequest,
): Promise<number> {
  return runner.quiesce(async (lanes) => {
    for (const subjectRef of request.records) keys?.forget({ tenantId: request.tenantId, subjectRef });
    return purgeErasedRecords(readStore, eventStore, lanes, request, 'refold');
  });
}

/** What every purge list's key ref starts with; the rest is its erasure's stream. */
export const PURGE_LIST_PREFIX = 'purge-';

/** The key the purge list of an erasure is sealed under: its own, destroyed once other processes had time to purge. */
export const purgeListKey = (tenantId: string, erasureStream: string): SubjectKeyRef => ({
  tenantId,
  subjectRef: `${PURGE_LIST_PREFIX}${erasureStream}`,
});

export async function sealPurgeList(keys: DataKeys, ref: SubjectKeyRef, values: readonly string[]): Promise<string> {
  return sealValue(await keys.keyFor(ref), ref, [...new Set(values)]);
}

/** The purge list of a DataSubjectErased event, or undefined once its key is destroyed. */
export async function openPurgeList(keys: DataKeys, event: RecordedEvent): Promise<string[] | undefined> {
  const sealed = (event.data as { purge?: unknown }).purge;
  if (typeof sealed !== 'string') return undefined;
  return openSealedList(keys, purgeListKey(event.metadata.tenantId, event.streamId), sealed);
}

/** A list sealed by `sealPurgeList` under `ref`, or undefined once that key is destroyed. */
export async function openSealedList(keys: DataKeys, ref: SubjectKeyRef, sealed: string): Promise<string[] | undefined> {
  // Never from the cache: the key may have been destroyed by the erasing process a moment ago.
  keys.forget(ref);
  const key = await keys.existingKey(ref);
  const opened = key && openValue(key, ref.tenantId, sealed);
  return opened && Array.isArray(opened.value) ? opened.value.filter((value): value is string => typeof value === 'string') : undefined;
}

export interface ErasureWatchOptions {
  /** The store the runner reads (the personal-data layer around the adapter). */
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly keys: DataKeys | undefined;
  readonly runner: QuiescingRunner;
  /** Erasures this process took part in already (the read-side worker's barrier): not purged twice. */
  readonly handled?: (erasureStream: string) => boolean;
  readonly log?: (message: string) => void;
}

/**
 * Erasures made by another process, seen in the log (`DataSubjectErased`): this process's lanes
 * stop after the batch in hand, the erased records' keys leave its cache, and the records'
 * documents those lanes may have written with them meanwhile are refolded from the log (the
 * erasure names the records); the purge list, while it still opens, scrubs a document that cannot
 * be refolded. Starts from the head, before the runner starts: a process started later has never
 * cached the keys. A failure of the watch (a store connection closed, a purge that failed) is
 * logged and the watch opens again a second later from the last erasure it handled, until stopped:
 * a process whose watch had ended would keep serving documents folded with the erased keys.
 */
export async function watchErasures(options: ErasureWatchOptions): Promise<Subscription> {
  const { eventStore, readStore, keys, runner } = options;
  let after = await eventStore.headPosition();
  const handle = async (events: readonly RecordedEvent[], checkpoint: string) => {
    for (const event of events) {
      const records = (event.data as { records?: unknown }).records;
      // The note of an erasure under the person's other identities (records none, no purge list): the erasure itself,
      // on its own stream, is the one to act on.
      const note = !(Array.isArray(records) && records.length > 0) && (event.data as { purge?: unknown }).purge === undefined;
      if (!note && !options.handled?.(event.streamId)) {
        const values = keys ? await openPurgeList(keys, event) : undefined;
        const rewritten = await purgeQuiesced(runner, readStore, eventStore, keys, {
          tenantId: event.metadata.tenantId,
          records: Array.isArray(records) ? records.filter((r): r is string => typeof r === 'string') : [],
          values: values ?? [],
        });
        options.log?.(
          values
            ? `erasure ${event.streamId}: projections here purged (${rewritten} documents rewritten)`
            : `erasure ${event.streamId}: projections here refolded (${rewritten} documents rewritten); its purge list no longer opens`,
        );
      }
      after = event.position;
    }
    after = checkpoint || after;
  };
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const open = (): Subscription => {
    const subscription = eventStore.subscribeToAll(handle, {
      ...(after === undefined ? {} : { after }),
      filter: { eventTypes: ['DataSubjectErased'] },
    });
    subscription.done.then(
      () => (stopped ? finish() : undefined),
      (error: unknown) => {
        if (stopped) return finish();
        options.log?.(`erasure watch failed (${error instanceof Error ? error.message : String(error)}); watching again in 1 s`);
        retry = setTimeout(() => {
          if (!stopped) current = open();
        }, RETRY_MS);
      },
    );
    return subscription;
  };
  let current = open();
  const first = current;
  return {
    caughtUp: first.caughtUp,
    done,
    checkpoint: () => after,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await current.stop().catch(() => undefined);
      finish();
    },
  };
}

const RETRY_MS = 1000;
