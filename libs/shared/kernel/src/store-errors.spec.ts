import { DeadlineExceededError, NotLeaderError, UnavailableError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import {
  BSON,
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWriteConcernError,
} from 'mongodb';
import { isTransientStoreError, retryTransient, StoreUnavailableError } from './store-errors';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isTransientStoreError', () => {
  it.each([
    ['SQLite busy', withCode('SQLITE_BUSY', 'database is locked')],
    ['SQLite busy snapshot', withCode('SQLITE_BUSY_SNAPSHOT')],
    ['SQLite locked (shared cache)', withCode('SQLITE_LOCKED')],
    ['PostgreSQL connection failure', withCode('08006')],
    ['PostgreSQL serialization failure', withCode('40001')],
    ['PostgreSQL deadlock', withCode('40P01')],
    ['PostgreSQL admin shutdown', withCode('57P01')],
    ['PostgreSQL too many connections', withCode('53300')],
    ['a reset socket', withCode('ECONNRESET')],
    ['node-postgres dropped connection', new Error('Connection terminated unexpectedly')],
    // node-postgres's query_timeout (POSTGRES_QUERY_TIMEOUT_MS): a statement whose answer never came on an open connection.
    ['node-postgres query timeout', new Error('Query read timeout')],
    ['MongoDB network error', Object.assign(new Error('socket'), { name: 'MongoNetworkError' })],
    ['MongoDB retryable write', Object.assign(new Error('x'), { hasErrorLabel: (label: string) => label === 'RetryableWriteError' })],
  ])('%s is passing', (_what, error) => expect(isTransientStoreError(error)).toBe(true));

  it.each([
    ['SQLite too big', withCode('SQLITE_TOOBIG')],
    ['SQLite constraint', withCode('SQLITE_CONSTRAINT_PRIMARYKEY')],
    ['PostgreSQL invalid jsonb text', withCode('22P05')],
    ['PostgreSQL unique violation', withCode('23505')],
    ['a programming error', new TypeError('x is not a function')],
    ['MongoDB labelled otherwise', Object.assign(new Error('x'), { hasErrorLabel: () => false })],
    ['not an error', 'database is locked'],
    ['nothing', undefined],
  ])('%s is not', (_what, error) => expect(isTransientStoreError(error)).toBe(false));
});

/**
 * The drivers' own error objects, built here without a server as the drivers build them: the kernel imports no
 * driver, so what it recognises (class names along the prototype chain, codes, labels) is checked against the
 * real classes.
 */
describe("isTransientStoreError on the drivers' own errors", () => {
  const serverError = (code: number, codeName: string, errorLabels?: string[]) =>
    new MongoServerError({ ok: 0, code, codeName, errmsg: codeName, ...(errorLabels ? { errorLabels } : {}) });
  // Not in the driver's public index: its pool raises it when a pool is cleared under a running operation.
  const { PoolClearedError } = jest.requireActual<{ PoolClearedError: new (pool: { address: string }, message?: string) => Error }>(
    'mongodb/lib/cmap/errors',
  );
  const labelled = (label: string) => {
    const error = new MongoError('commit failed');
    error.addErrorLabel(label);
    return error;
  };

  it.each([
    // createIndexes, create, drop: no retryable-write label on these, only the code.
    ['NotWritablePrimary (10107), unlabelled', serverError(10107, 'NotWritablePrimary')],
    ['InterruptedDueToReplStateChange (11602)', serverError(11602, 'InterruptedDueToReplStateChange')],
    ['PrimarySteppedDown (189)', serverError(189, 'PrimarySteppedDown')],
    ['ShutdownInProgress (91)', serverError(91, 'ShutdownInProgress')],
    ['InterruptedAtShutdown (11600)', serverError(11600, 'InterruptedAtShutdown')],
    ['NotPrimaryNoSecondaryOk (13435)', serverError(13435, 'NotPrimaryNoSecondaryOk')],
    ['NotPrimaryOrSecondary (13436)', serverError(13436, 'NotPrimaryOrSecondary')],
    ['HostUnreachable (6)', serverError(6, 'HostUnreachable')],
    ['HostNotFound (7)', serverError(7, 'HostNotFound')],
    ['NetworkTimeout (89)', serverError(89, 'NetworkTimeout')],
    ['ExceededTimeLimit (262)', serverError(262, 'ExceededTimeLimit')],
    ['SocketException (9001)', serverError(9001, 'SocketException')],
    ['ReadConcernMajorityNotAvailableYet (134)', serverError(134, 'ReadConcernMajorityNotAvailableYet')],
    [
      'a write concern error for a stepped-down primary',
      new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 189, codeName: 'PrimarySteppedDown', errmsg: 'stepped down' } }),
    ],
    ['MongoNetworkError', new MongoNetworkError('connection 3 to h1:27017 closed')],
    ['MongoNetworkTimeoutError (a subclass)', new MongoNetworkTimeoutError('connection timed out')],
    ['MongoPoolClearedError (a subclass, label PoolRequestedRetry)', new PoolClearedError({ address: 'h1:27017' }, 'pool cleared')],
    ['MongoServerSelectionError', new MongoServerSelectionError('Server selection timed out after 30000 ms', {} as never)],
    ['label RetryableWriteError', serverError(50, 'MaxTimeMSExpired', ['RetryableWriteError'])],
    ['label TransientTransactionError', serverError(112, 'WriteConflict', ['TransientTransactionError'])],
    ['label UnknownTransactionCommitResult', labelled('UnknownTransactionCommitResult')],
    ['label PoolRequestedRetry', labelled('PoolRequestedRetry')],
    ['KurrentDB unavailable, as the adapter raises it', new StoreUnavailableError('KurrentDB', new UnavailableError(undefined, 'lost'))],
    ['KurrentDB deadline, as the adapter raises it', new StoreUnavailableError('KurrentDB', new DeadlineExceededError())],
    ['a bare transient mark', Object.assign(new Error('x'), { transient: true })],
  ])('%s is passing', (_what, error) => expect(isTransientStoreError(error)).toBe(true));

  it.each([
    ['duplicate key (11000)', serverError(11000, 'DuplicateKey')],
    ['document validation failure (121)', serverError(121, 'DocumentValidationFailure')],
    ['namespace exists (48)', serverError(48, 'NamespaceExists')],
    ['a bad value (2)', serverError(2, 'BadValue')],
    [
      'a write concern error that cannot be satisfied (100)',
      new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 100, errmsg: 'x' } }),
    ],
    [
      'a bulk write with a duplicate key',
      new MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors: [] }, { insertedCount: 0 } as never),
    ],
    [
      'BSONError (a key with NUL)',
      (() => {
        try {
          BSON.serialize({ 'a\u0000b': 1 });
        } catch (error) {
          return error;
        }
      })(),
    ],
    // The KurrentDB driver's errors by themselves: `name` 'Error' and a gRPC status as code (6 is ALREADY_EXISTS there, not
    // MongoDB's HostNotFound): only the adapter's translation makes them passing.
    ['KurrentDB UnavailableError as the driver hands it', Object.assign(new UnavailableError(undefined, 'lost'), { code: 14 })],
    [
      'a KurrentDB error with a number MongoDB would retry',
      Object.assign(new NotLeaderError({ metadata: { 'leader-endpoint-host': 'n2', 'leader-endpoint-port': '2113' } } as never), {
        code: 6,
      }),
    ],
    ['KurrentDB WrongExpectedVersionError', new WrongExpectedVersionError(undefined, { streamName: 's', expected: 1n, current: 2n })],
  ])('%s is not', (_what, error) => {
    expect(error).toBeInstanceOf(Error);
    expect(isTransientStoreError(error)).toBe(false);
  });

  it('names the cause of an unavailable store', () => {
    const cause = new UnavailableError(undefined, '14 UNAVAILABLE: no connection');
    const error = new StoreUnavailableError('KurrentDB', cause);
    expect(error).toMatchObject({ name: 'StoreUnavailableError', store: 'KurrentDB', cause, transient: true });
    expect(error.message).toBe('KurrentDB is out of reach or did not answer: 14 UNAVAILABLE: no connection');
  });
});

describe('retryTransient', () => {
  const busy = () => withCode('SQLITE_BUSY', 'database is locked');

  it('retries passing refusals with the given pauses until the work succeeds', async () => {
    let calls = 0;
    const pauses: number[] = [];
    const result = await retryTransient(
      async () => {
        calls += 1;
        if (calls < 4) throw busy();
        return 'done';
      },
      { retryDelayMs: (attempt) => attempt, windowMs: 60_000, onRetry: (_error, attempt) => pauses.push(attempt) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(pauses).toEqual([1, 2, 3]);
  });

  it('rethrows any other error at once', async () => {
    let calls = 0;
    const error = new TypeError('bug');
    await expect(
      retryTransient(
        async () => {
          calls += 1;
          throw error;
        },
        { retryDelayMs: () => 1, windowMs: 60_000 },
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('gives up with the last refusal once the window has passed', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      retryTransient(
        async () => {
          calls += 1;
          throw busy();
        },
        { retryDelayMs: () => 10, windowMs: 60 },
      ),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(calls).toBeGreaterThan(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
  });

  it('stops retrying when told to stop', async () => {
    let calls = 0;
    let stopped = false;
    await expect(
      retryTransient(
        async () => {
          calls += 1;
          stopped = calls === 2;
          throw busy();
        },
        { retryDelayMs: () => 1, windowMs: 60_000, stopped: () => stopped },
      ),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(calls).toBe(2);
  });
});
