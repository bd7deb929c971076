import { isTransientStoreError, retryTransient } from './store-errors';

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
