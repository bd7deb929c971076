/**
 * A store's passing refusal: the same write is expected to succeed a little later, so a rebuild waits
 * and retries it instead of failing (a serving lane retries any store error by restarting its
 * subscription). Recognised by the drivers' codes:
 * - SQLite: busy / locked — another connection (a second rebuild thread building a large collection's
 *   indexes, another process) held the file's write lock longer than the busy timeout;
 * - PostgreSQL: connection exceptions (08xxx), serialization failure and deadlock (40001, 40P01),
 *   the server shutting down or starting (57P01–57P03), too many connections and other resources (53xxx);
 * - sockets: reset, refused, timed out, broken pipe;
 * - MongoDB: errors the driver labels retryable or transient, and its network and server-selection errors.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
    if (/^(08[0-9A-Z]{3}|40001|40P01|57P0[123]|53[0-9A-Z]{3})$/.test(code)) return true;
    if (/^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN)$/.test(code)) return true;
  }
  if (typeof name === 'string' && /^Mongo(Network|NetworkTimeout|ServerSelection)Error$/.test(name)) return true;
  const labels = (error as { hasErrorLabel?: unknown }).hasErrorLabel;
  if (typeof labels === 'function') {
    const has = (label: string) => (labels as (label: string) => boolean).call(error, label);
    if (has('RetryableWriteError') || has('TransientTransactionError')) return true;
  }
  // node-postgres ends a query on a dropped connection with this message and no code.
  return typeof message === 'string' && /^Connection terminated( unexpectedly| due to connection timeout)?$/.test(message);
}

/**
 * SQLite refused for another connection's write lock (SQLITE_BUSY and its extended codes). By code, not
 * `instanceof`: the driver's errors may come from another realm (Jest's VM contexts).
 */
export function isSqliteBusy(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export interface TransientRetry {
  /** The pause before the n-th retry (the runner's growing pauses). */
  readonly retryDelayMs: (attempt: number) => number;
  /** Gives up (rethrows) once the refusals have lasted this long without a success. */
  readonly windowMs: number;
  /** Stops retrying (rethrows) once this says so: the runner is stopping. */
  readonly stopped?: () => boolean;
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

/** `work` again after each passing refusal (isTransientStoreError), with pauses, for up to `windowMs`; any other error at once. */
export async function retryTransient<T>(work: () => Promise<T>, retry: TransientRetry): Promise<T> {
  let firstFailure: number | undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const now = Date.now();
      firstFailure ??= now;
      if (!isTransientStoreError(error) || now - firstFailure >= retry.windowMs || retry.stopped?.()) throw error;
      retry.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, retry.retryDelayMs(attempt)));
      if (retry.stopped?.()) throw error;
    }
  }
}
