/**
 * Runs tasks with the same key one after another, in the order they came
 * (one process's commands on one stream, the KurrentDB adapter's per-stream
 * appends). Writers in other processes still race; the store's expected
 * revision settles those.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * `task` once the tasks before it with this key are done; with `maxWaitMs`, after at most that long even if they
   * are not (one stuck on a store that never answers must not hold every later one): it then runs beside them, and
   * the tasks after it still wait for it.
   */
  async run<T>(key: string, task: () => Promise<T>, maxWaitMs?: number): Promise<T> {
    const previous = this.tails.get(key);
    let release: () => void = () => undefined;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    let tail = current;
    if (previous !== undefined) {
      // Nobody before it (the usual case): no wait, no timer.
      let timer: NodeJS.Timeout | undefined;
      const waited =
        maxWaitMs === undefined
          ? previous
          : Promise.race([previous, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
      // The next task waits for what this one waited for, then for this one: not for a stuck one this one gave up on.
      tail = waited.then(() => current);
      this.tails.set(key, tail);
      await waited;
      clearTimeout(timer);
    } else this.tails.set(key, tail);
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
