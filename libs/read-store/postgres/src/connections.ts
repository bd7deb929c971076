import type { PoolClient } from 'pg';

/**
 * A transaction's client after `error`: the error an answer from the server (it carries a SQLSTATE), the transaction
 * is rolled back and the client kept; anything else (no answer within the query timeout, the connection lost, an
 * error of this code between statements) leaves the connection in an unknown state, where a ROLLBACK would only queue
 * behind the statement still unanswered (and wait out another timeout): it is thrown away instead, and the server
 * rolls the transaction back when the connection closes. Returns what to release the client with.
 */
export async function rollBackOrDiscard(client: PoolClient, error: unknown): Promise<Error | undefined> {
  if (!answeredByServer(error)) return error instanceof Error ? error : new Error(String(error));
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (failed) {
    return failed instanceof Error ? failed : new Error(String(failed));
  }
}

/**
 * An error the server sent (a SQLSTATE, and the severity every server message carries), as opposed to one of the
 * connection or the driver (Node's `EPIPE` is five capitals too).
 */
export function answeredByServer(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/**
 * The statements sent on `client` from now until the returned function is called wait up to `timeoutMs` for their
 * answer instead of the pool's query timeout (migrations, long commits). node-postgres reads a query's timeout from
 * its config, else from the client's connection parameters, which its types do not show; a statement already
 * timed out throws the client away anyway, so the setting never outlives a connection in an unknown state.
 */
export function statementTimeoutOn(client: PoolClient, timeoutMs: number): () => void {
  const parameters = (client as unknown as { connectionParameters?: { query_timeout?: number | false } }).connectionParameters;
  if (!parameters) return () => undefined;
  const before = parameters.query_timeout;
  parameters.query_timeout = timeoutMs;
  return () => {
    parameters.query_timeout = before;
  };
}
