/**
 * A store out of reach or not answering for now (connection lost, deadline passed, a leader or primary being
 * elected): the same request is expected to succeed a little later. Adapters whose drivers' errors carry nothing
 * this kernel can recognise by itself (KurrentDB's: `name` 'Error', a gRPC status as `code`) raise this instead, with
 * the driver's error as `cause`. It does not say whether a write landed: an adapter raises it only where nothing was
 * written, or where a retry finds out (an append whose reply was lost answers "outcome unknown" instead).
 */
export class StoreUnavailableError extends Error {
  /** The mark isTransientStoreError reads (the runtime's `permanent: true` is the opposite one): works across realms. */
  readonly transient = true;

  constructor(
    readonly store: string,
    override readonly cause: unknown,
  ) {
    super(`${store} is out of reach or did not answer${cause instanceof Error && cause.message ? `: ${cause.message}` : ''}`);
    this.name = 'StoreUnavailableError';
  }
}

/** MongoDB's retryable server codes (the driver's RETRYABLE_READ_ERROR_CODES, which its retryable writes share). */
const MONGODB_RETRYABLE_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * MongoDB's labels for "again, later": retryable writes (the server's, or the pool's after it was cleared), transient
 * and unknown-outcome transaction commits (the driver's `withTransaction` retries the whole transaction or its commit),
 * and the server overloaded.
 */
const MONGODB_PASSING_LABELS = [
  'RetryableWriteError',
  'PoolRequestedRetry',
  'TransientTransactionError',
  'UnknownTransactionCommitResult',
  'SystemOverloadedError',
];

/** MongoDB's errors of the connection itself, subclasses included (MongoNetworkTimeoutError, MongoPoolClearedError). */
const MONGODB_PASSING_CLASSES = ['MongoNetworkError', 'MongoServerSelectionError', 'MongoWaitQueueTimeoutError'];

/**
 * The names along an error's prototype chain: each class's constructor name and `name`, so that a driver's
 * subclass is recognised by the class it extends without importing the driver (this kernel imports none) and
 * across realms (Jest's VM contexts), where `instanceof` fails.
 */
function classNamesOf(error: object): Set<string> {
  const names = new Set<string>();
  const { name } = error as { name?: unknown };
  if (typeof name === 'string') names.add(name);
  for (
    let proto: unknown = Object.getPrototypeOf(error);
    proto !== null && typeof proto === 'object';
    proto = Object.getPrototypeOf(proto)
  ) {
    const constructor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    if (typeof constructor === 'function' && constructor.name) names.add(constructor.name);
    const own = Object.getOwnPropertyDescriptor(proto, 'name');
    try {
      const value: unknown = own?.get ? own.get.call(error) : own?.value;
      if (typeof value === 'string') names.add(value);
    } catch {
      // a getter that needs more of its instance than it has: not a name to go by
    }
  }
  return names;
}

/**
 * A store's passing refusal: the same write is expected to succeed a little later, so a rebuild waits
 * and retries it instead of failing (a serving lane retries any store error by restarting its
 * subscription), and an API request hears 503 with Retry-After. Recognised by the drivers' codes:
 * - SQLite: busy / locked — another connection (a second rebuild thread building a large collection's
 *   indexes, another process) held the file's write lock longer than the busy timeout;
 * - PostgreSQL: connection exceptions (08xxx), serialization failure and deadlock (40001, 40P01),
 *   the server shutting down or starting (57P01–57P03), too many connections and other resources (53xxx);
 * - sockets: reset, refused, timed out, broken pipe; node-postgres's dropped connection, connect timeout and query
 *   timeout (messages without a code);
 * - MongoDB: its network errors (and their subclasses: timeouts, a cleared pool), server selection and
 *   connection-pool wait timeouts; server errors with the driver's retryable codes (a primary stepping down or
 *   not writable, the node shutting down…: createIndexes, create and drop carry no label) or with a
 *   retryable / transient label (MONGODB_PASSING_LABELS);
 * - any error marked `transient: true`: StoreUnavailableError, which adapters raise for drivers whose
 *   errors say nothing recognisable (KurrentDB).
 * A duplicate key, a validation error, a document too large or not storable, a wrong expected revision: not.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, transient } = error as { code?: unknown; message?: unknown; transient?: unknown };
  if (transient === true) return true;
  if (typeof code === 'string') {
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
    if (/^(08[0-9A-Z]{3}|40001|40P01|57P0[123]|53[0-9A-Z]{3})$/.test(code)) return true;
    if (/^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN)$/.test(code)) return true;
  }
  const classes = classNamesOf(error);
  if (MONGODB_PASSING_CLASSES.some((name) => classes.has(name))) return true;
  // Numeric codes only on MongoDB's own errors: other drivers' numbers (gRPC statuses) mean other things.
  if ((classes.has('MongoError') || classes.has('MongoServerError')) && typeof code === 'number' && MONGODB_RETRYABLE_CODES.has(code))
    return true;
  const labels = (error as { hasErrorLabel?: unknown }).hasErrorLabel;
  if (typeof labels === 'function') {
    const has = (label: string) => (labels as (label: string) => boolean).call(error, label) === true;
    if (MONGODB_PASSING_LABELS.some(has)) return true;
  }
  // node-postgres ends a query on a dropped connection with this message and no code; its pool, a wait for a
  // connection past the pool's connect timeout with the other; a query past its `query_timeout` (no answer in time:
  // POSTGRES_QUERY_TIMEOUT_MS) with the last.
  return (
    typeof message === 'string' &&
    /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Query read timeout)$/.test(
      message,
    )
  );
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

/**
 * How long a PostgreSQL connection may take to open, or a request wait for one of a pool's: a server that takes the
 * connection and never answers (a half-open network path, a proxy in front of a dead server) is then a store
 * unavailable, not a request that never ends. Long enough that a pool busy with a rebuild's transactions on a
 * starved machine is not taken for one.
 */
export const POSTGRES_CONNECT_TIMEOUT_MS = 30_000;

/**
 * How long a statement sent to PostgreSQL may go without its answer (node-postgres's `query_timeout`, on every pool of
 * the stores): a server that stops answering on a connection already open (a half-open path, a proxy in front of a
 * hung server) is then a store unavailable (503), as a new connection is after POSTGRES_CONNECT_TIMEOUT_MS, not a
 * request that waits for ever. The driver gives up on the client side only: the statement may still run, and commit,
 * on the server, so a write that timed out has an unknown outcome (retry it with the same ids). The connection it was
 * sent on is thrown away, not handed back to the pool. Overridden per store (`queryTimeoutMs`) or by `query_timeout`
 * in the connection URL (node-postgres takes the URL's parameters over its config).
 */
export const POSTGRES_QUERY_TIMEOUT_MS = 30_000;

/**
 * The bound of the statements that may rightly run long: schema migrations (a v4/v5 read-store migration moving or
 * re-keying every document), index builds and ANALYZE of a large collection, dropping a replaced one, and a rebuild's
 * (non-durable) batch commits. One hour: far above any of them measured here, and still an end to a hung server.
 */
export const POSTGRES_LONG_STATEMENT_TIMEOUT_MS = 3_600_000;

/** node-postgres's error for a statement whose answer did not come within its `query_timeout`. */
export function isPostgresQueryTimeout(error: unknown): boolean {
  return (error as { message?: unknown } | null)?.message === 'Query read timeout';
}

/**
 * The settings every store's own PostgreSQL pool is opened with (node-postgres `Pool` options, kept free of the
 * driver's types here): both timeouts above, TCP keep-alive, and, unless `idleTimeoutMs` says otherwise, idle
 * connections kept (with the statements they have prepared) rather than closed after the driver's 10 s.
 */
export function postgresPoolSettings(options: {
  readonly connectionString: string;
  readonly max: number;
  readonly connectTimeoutMs?: number;
  readonly queryTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
}) {
  return {
    connectionString: options.connectionString,
    max: options.max,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: options.idleTimeoutMs }),
    connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_CONNECT_TIMEOUT_MS,
    // Every statement's answer waited for this long at most; a pool throws away the connection of one that timed out
    // (pool.query releases the client with the error).
    query_timeout: options.queryTimeoutMs ?? POSTGRES_QUERY_TIMEOUT_MS,
    keepAlive: true,
  };
}

/** A connection as it emits its errors. */
interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** What the stores need of node-postgres's `Pool` here (kept free of the driver's types): its events. */
interface PoolEvents extends ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'connect', listener: (client: ErrorEmitter) => void): unknown;
}

/**
 * Makes a store's own PostgreSQL pool survive a connection the server ends (a restart, a failover,
 * `pg_terminate_backend`, `idle_session_timeout`). An idle connection's error is heard by the pool, which drops it
 * and opens another when asked. A connection checked out (a transaction between two of its statements) is not: the
 * driver's pool takes its listener off while it is lent, and an error nobody hears ends the process (an outside probe:
 * two API processes died so while the server's connections were being terminated). So every connection gets one of
 * its own as it is made: the next statement on it fails, and it goes back to the pool as broken, which drops it.
 */
export function hearConnectionErrors<P extends PoolEvents>(pool: P): P {
  const ignore = (): void => undefined;
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  return pool;
}

/**
 * An error the PostgreSQL server sent (a SQLSTATE, and the severity every server message carries), as opposed to one
 * of the connection or the driver (Node's `EPIPE` is five capitals too).
 */
export function answeredByServer(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/**
 * A PostgreSQL transaction's client after `error` (the stores' own transactions): an answer from the server is rolled
 * back and the client kept; anything else (no answer within the query timeout, the connection lost, an error of the
 * caller's between statements) leaves the connection in an unknown state, where a ROLLBACK would only queue behind the
 * statement still unanswered (and wait out another timeout): it is thrown away instead, and the server rolls the
 * transaction back when the connection closes. Returns what to release the client with (node-postgres `release(err)`).
 */
export async function rollBackOrDiscard(client: { query(text: string): Promise<unknown> }, error: unknown): Promise<Error | undefined> {
  if (!answeredByServer(error)) return error instanceof Error ? error : new Error(String(error));
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (failed) {
    return failed instanceof Error ? failed : new Error(String(failed));
  }
}
