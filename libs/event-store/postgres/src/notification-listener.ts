import { Client, type ClientConfig } from 'pg';

export interface ListenerOptions {
  readonly config: ClientConfig;
  readonly channel: string;
  /** Called with the notification's payload; `undefined` when the listener (re)connects and anything may have landed. */
  readonly onNotify: (payload: string | undefined) => void;
  /** Pause before reconnecting a lost listener; polling covers the gap meanwhile. */
  readonly reconnectMs?: number;
}

/**
 * LISTENs on a dedicated connection (a pooled one would be handed to other
 * queries and lose the LISTEN). Any failure only costs latency: subscribers
 * keep polling, and the listener reconnects in the background.
 */
export class NotificationListener {
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ListenerOptions) {}

  /** Starts listening if not already; resolves once LISTEN is in place or has failed. */
  start(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Bounded: a server that stopped answering (a hung PostgreSQL) never answers the goodbye either, and the driver's
   * `end()` waits for the server to close the connection. After CLOSE_WAIT_MS the socket is destroyed; a connect still
   * in progress ends itself (it sees `closed`) within the pool's connect and query timeouts.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await within(this.connecting ?? Promise.resolve(), CLOSE_WAIT_MS);
    const client = this.client;
    this.client = undefined;
    if (client) await endWithin(client, CLOSE_WAIT_MS);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.options.config);
    const lost = () => this.lose(client);
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => this.options.onNotify(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
      // Events may have landed while we were not listening.
      this.options.onNotify(undefined);
    } catch {
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private lose(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, this.options.reconnectMs ?? 1000);
    this.timer.unref();
  }
}

/** How long close() waits for the server's goodbye, or a connect in progress. */
const CLOSE_WAIT_MS = 1_000;

function within(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });
}

/** `client.end()`, and the socket destroyed if the server has not closed it within `ms` (the driver has no public destroy). */
async function endWithin(client: Client, ms: number): Promise<void> {
  const ending = client.end().catch(() => undefined);
  await within(ending, ms);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
