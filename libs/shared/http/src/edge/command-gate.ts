import type { FastifyInstance, FastifyReply } from 'fastify';

/** Requests that never write: they pass the gate at once. */
const READS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the gate holds now (metrics, tests). */
export interface CommandGateState {
  /** Writes past the gate. */
  readonly inFlight: number;
  /** Writes waiting their turn. */
  readonly waiting: number;
  /** Reads being served. */
  readonly reads: number;
}

/**
 * While reads (GET, HEAD, OPTIONS) are being served, and for `holdMs` (1 s) after the last one, at most `slots`
 * requests that may write (every other method) are past this point at once; the others wait their turn, first come
 * first served, before their body is read. With no read for that long, writes are not bounded, and the ones waiting
 * go in. Reads never wait here.
 *
 * Why: the API serves every request on one event loop. Under a burst of writes, a request that arrives waits behind
 * the work of every command in flight, a query as much as a command: 16 clients capturing leads as fast as they are
 * answered put a 1-ms view behind 16 commands' worth of work. With the commands' concurrency bounded while a query
 * is being served, it waits behind at most `slots` of them; the parked commands cost nothing until their turn (no
 * parsing, no validation, no store work). With no query to serve, a bound would only cost the commands: fewer of them
 * share each group commit, and every commit wakes the read side.
 *
 * Installed as a `preParsing` hook after authentication and the rate limit: a caller who may not write, or is over
 * budget, is refused without waiting. A request whose client goes away while it waits leaves the line, and a slot
 * is given back once, when its reply is finished or its connection closes, whichever comes first.
 * `slots <= 0` installs nothing.
 */
export function gateCommands(fastify: FastifyInstance, slots: number, holdMs = READ_HOLD_MS): () => CommandGateState {
  let inFlight = 0;
  let reads = 0;
  let lastReadAt = Number.NEGATIVE_INFINITY;
  let holdTimer: NodeJS.Timeout | undefined;
  const waiting: (() => void)[] = [];
  const state = () => ({ inFlight, waiting: waiting.length, reads });
  if (slots <= 0) return state;

  const readsAround = () => reads > 0 || performance.now() - lastReadAt < holdMs;
  const mayEnter = () => inFlight < slots || !readsAround();
  const admit = () => {
    while (waiting.length > 0 && mayEnter()) {
      inFlight += 1;
      (waiting.shift() as () => void)();
    }
  };

  fastify.addHook('preParsing', (request, reply, payload, done) => {
    if (READS.has(request.method)) {
      reads += 1;
      onceClosed(reply, () => {
        reads -= 1;
        lastReadAt = performance.now();
        // Once no read came for `holdMs`, the writes still waiting go in.
        clearTimeout(holdTimer);
        holdTimer = setTimeout(admit, holdMs + 1);
        holdTimer.unref();
        admit();
      });
      done(null, payload);
      return;
    }
    let stage: 'waiting' | 'in' | 'gone' = 'waiting';
    const enter = () => {
      stage = 'in';
      done(null, payload);
    };
    onceClosed(reply, () => {
      if (stage === 'in') {
        inFlight -= 1;
        admit();
      } else if (stage === 'waiting') {
        const place = waiting.indexOf(enter);
        if (place >= 0) waiting.splice(place, 1);
      }
      stage = 'gone';
    });
    if (waiting.length === 0 && mayEnter()) {
      inFlight += 1;
      enter();
    } else {
      waiting.push(enter);
    }
  });
  return state;
}

/**
 * How long after the last read the bound stays on: queries come one after another (a dashboard, an analyst's
 * session), and lifting the bound between two of them would let a burst of writes in just before the next one.
 */
const READ_HOLD_MS = 1000;

/** The reply's response has finished or its connection closed: `close` comes after `finish`, and alone when the client goes away. */
function onceClosed(reply: FastifyReply, listener: () => void): void {
  const response = reply.raw;
  if (response.destroyed || response.writableFinished) {
    queueMicrotask(listener);
    return;
  }
  response.once('close', listener);
}
