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

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
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
