/** What the check needs of node-postgres (kept free of the driver's types). */
interface LentConnection {
  query(text: string): Promise<{ rows: { pid?: number }[] }>;
  release(error?: boolean): void;
}

/**
 * Ends, from `admin`'s connection, the server backend of a connection lent out of `pool` while nobody waits on it (a
 * transaction between two statements), as a restart, a failover or `pg_terminate_backend` would; then checks the lent
 * connection fails its next statement, gives it back broken, and returns. Without a listener of its own on that
 * connection, the server's notice is an 'error' event nobody hears, and the process (here, the test) ends with it.
 */
export async function endLentConnection(
  pool: { connect(): Promise<LentConnection> },
  admin: { query(text: string, values: unknown[]): Promise<unknown> },
): Promise<void> {
  const client = await pool.connect();
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  // The server's FATAL arrives while no statement is in flight.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const next = await client.query('SELECT 1').then(
    () => 'answered',
    () => 'failed',
  );
  client.release(true);
  if (next !== 'failed') throw new Error(`a statement on a connection the server ended ${next}`);
}
