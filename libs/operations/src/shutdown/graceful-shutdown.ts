import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ShutdownState } from './shutdown-state';

export interface GracefulShutdownOptions {
  /** How long in-flight requests may take before their connections are closed. */
  readonly graceMs: number;
  /**
   * How long to keep answering (503) after the signal, so a request already
   * on its way is answered rather than reset; default 250 ms, and again as long
   * as requests keep coming, within the grace.
   */
  readonly lingerMs?: number;
  readonly logger: Logger;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM without losing a request: stop taking new work (the port closed at
 * once, so a new connection is refused before it carries anything; a request
 * on a connection already open is answered 503 with `Connection: close`;
 * readiness 503), let every in-flight request finish within the grace period,
 * then close the app, whose modules stop the projections after their batch
 * and checkpoint and close the stores.
 */
export class GracefulShutdown {
  private inFlight = 0;
  /** Requests that have come in, ever: the linger goes on while they keep coming. */
  private arrivals = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly app: INestApplication,
    private readonly state: ShutdownState,
    private readonly options: GracefulShutdownOptions,
  ) {
    const server = app.getHttpServer() as Server;
    // 'close' follows 'finish', or an aborted request: every request counted in is counted out.
    server.on('request', (_request, response) => {
      this.inFlight += 1;
      this.arrivals += 1;
      response.once('close', () => (this.inFlight -= 1));
    });
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Idempotent: a second call waits for the first. */
  shutDown(reason: string): Promise<void> {
    this.running ??= this.run(reason);
    return this.running;
  }

  private async run(reason: string): Promise<void> {
    const { logger, graceMs } = this.options;
    const started = Date.now();
    const deadline = started + graceMs;
    this.state.draining = true;
    // One turn of the event loop first: its poll phase accepts the connections the kernel has completed meanwhile
    // (a client connected, and may have written its request). Closing the listener with them still in its backlog
    // reset them (a loaded run: ten requests written just before the close got `read ECONNRESET`); accepted, they are
    // answered 503 like any request on a connection already open.
    await new Promise((resolve) => setImmediate(resolve));
    // No new connection from here: one accepted now would be closed with the idle ones at the end, maybe after its
    // request was sent (a reset: the caller cannot tell whether it was done; an outside probe saw one per client). A
    // refused connection carried nothing. This is net.Server's own close: http.Server's would also close the idle
    // keep-alive connections at once, where a request may be on its way; they are answered 503 meanwhile.
    NetServer.prototype.close.call(this.app.getHttpServer() as Server);
    logger.info({ reason, inFlight: this.inFlight, graceMs }, 'shutting down: answering the requests in hand, refusing new ones');
    await this.drain(deadline);
    // Linger until no request has come for a whole linger, within the grace. After the timer, one turn of the event loop
    // reads what the sockets hold: on a loaded machine the timer can fire before a request already sent is read, and
    // closing its "idle" connection then would reset it (seen under CI load).
    let seen: number;
    do {
      seen = this.arrivals;
      await sleep(Math.max(0, Math.min(this.options.lingerMs ?? 250, deadline - Date.now())));
      await new Promise((resolve) => setImmediate(resolve));
      await this.drain(deadline);
    } while (this.arrivals !== seen && Date.now() < deadline);
    // Said before the last look at the sockets: a request written on a kept-alive connection before this line is read
    // by the turn below and answered (503); one written after it may meet its connection's close, the race every
    // HTTP/1.1 server has when it closes one, which a client settles by retrying on a new connection (refused now).
    logger.info({ inFlight: this.inFlight, sinceSignalMs: Date.now() - started }, 'closing the connections');
    await new Promise((resolve) => setImmediate(resolve));
    await this.drain(deadline);
    if (this.inFlight > 0) {
      logger.warn({ inFlight: this.inFlight }, 'grace period over: closing the connections of unfinished requests');
      (this.app.getHttpServer() as Server).closeAllConnections();
    }
    await this.app.close();
    logger.info({ tookMs: Date.now() - started }, 'stopped');
  }

  private async drain(deadline: number): Promise<void> {
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(5);
  }
}

/**
 * SIGTERM and SIGINT shut down once and exit 0 (1 if that fails); a second
 * signal exits at once.
 */
export function exitOnSignals(
  shutdown: { shutDown(reason: string): Promise<void> },
  logger: Logger,
  exit: (code: number) => void = process.exit,
): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    signalled = true;
    shutdown.shutDown(signal).then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Time given to closing after the grace, when the grace itself is shorter. */
const CLOSE_MIN_MS = 2_000;

/**
 * A stop that cannot hang (the API's and crm-projector's): the work in hand has the grace, closing what it used has the
 * grace again (at least CLOSE_MIN_MS). Past that bound, one error line — `<what> did not finish within … ms of
 * <reason>`, with what `stuck()` says (`notClosed`, …) — and the process exits 1: a store that never answers (a hung
 * PostgreSQL) must not keep it for ever.
 */
export async function stopWithinBound(
  stop: () => Promise<void>,
  options: {
    readonly graceMs: number;
    readonly logger: Logger;
    readonly reason: string;
    readonly what: string;
    readonly stuck: () => Record<string, unknown>;
    readonly exit?: (code: number) => void;
  },
): Promise<void> {
  const { graceMs, logger, reason, what, stuck, exit = process.exit } = options;
  const boundMs = graceMs + Math.max(graceMs, CLOSE_MIN_MS);
  const timer = setTimeout(() => {
    logger.error({ boundMs, ...stuck() }, `${what} did not finish within ${boundMs} ms of ${reason}: exiting anyway with 1`);
    exit(1);
  }, boundMs);
  try {
    await stop();
  } finally {
    clearTimeout(timer);
  }
}
