import type { EventStore } from '../event-store';

/** Resolves each caller once `count` callers are waiting. */
export function barrier(count: number): () => Promise<void> {
  const waiting: (() => void)[] = [];
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length >= count) for (const release of waiting.splice(0)) release();
    });
}

/**
 * Two runs that load the same revision before either appends, as two API processes can: the store's first two stream
 * reads (every read, with `firstOnly` false) wait for each other. `realRead` reads past the hold; `restore` ends it.
 */
export function holdReads(store: EventStore, firstOnly = true): { realRead: EventStore['readStream']; restore(): void } {
  const realRead = store.readStream.bind(store);
  const bothLoaded = barrier(2);
  let calls = 0;
  const held: EventStore['readStream'] = async (...args) => {
    calls += 1;
    const call = calls;
    const events = await realRead(...args);
    if (!firstOnly || call <= 2) await bothLoaded();
    return events;
  };
  Object.defineProperty(store, 'readStream', { value: held, configurable: true, writable: true });
  return { realRead, restore: () => delete (store as { readStream?: unknown }).readStream };
}
