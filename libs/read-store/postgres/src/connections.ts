import type { PoolClient } from 'pg';

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
