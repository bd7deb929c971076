import type { FastifyInstance, FastifyReply } from 'fastify';

/** Requests that never write: they pass the gate at once. */
const READS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the gate holds now (metrics, tests). */
export interface CommandGateState {
  readonly inFlight: number;
  readonly waiting: number;
}

/**
 * At most `slots` requests that may write (every method but GET, HEAD and OPTIONS) are past this point at once;
 * the others wait their turn, first come first served, before their body is read. Reads never wait here.
 *
 * Why: the API serves every request on one event loop. Under a burst of writes, each request that arrives waits
 * behind the work of every command in flight, a query as much as a command: 16 clients capturing leads as fast as
 * they are answered put a 1-ms view behind 16 commands' worth of work. With the commands' concurrency bounded,
 * a query waits behind at most `slots` of them; the parked commands cost nothing until their turn (no parsing,
 * no validation, no store work), and the store is kept as busy as before, a few commands being enough to fill
 * a group commit. A command's own wait is the time the ones ahead of it take, which it waited anyway, interleaved.
 *
 * Installed as a `preParsing` hook after authentication and the rate limit: a caller who may not write, or is
 * over budget, is refused without waiting. A request whose client goes away while it waits leaves the line, and a
 * slot is given back once, when its reply is finished or its connection closes, whichever comes first.
 * `slots <= 0` installs nothing.
 */
export function gateCommands(fastify: FastifyInstance, slots: number): () => CommandGateState {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const state = () => ({ inFlight, waiting: waiting.length });
  if (slots <= 0) return state;

  const giveBack = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight -= 1;
  };

  fastify.addHook('preParsing', (request, reply, payload, done) => {
    if (READS.has(request.method)) {
      done(null, payload);
      return;
    }
    let stage: 'waiting' | 'in' | 'gone' = 'waiting';
    const enter = () => {
      stage = 'in';
      done(null, payload);
    };
    onceClosed(reply, () => {
      if (stage === 'in') giveBack();
      else if (stage === 'waiting') {
        const place = waiting.indexOf(enter);
        if (place >= 0) waiting.splice(place, 1);
      }
      stage = 'gone';
    });
    if (inFlight < slots) {
      inFlight += 1;
      enter();
    } else {
      waiting.push(enter);
    }
  });
  return state;
}

/** The reply's response has finished or its connection closed: `close` comes after `finish`, and alone when the client goes away. */
function onceClosed(reply: FastifyReply, listener: () => void): void {
  const response = reply.raw;
  if (response.destroyed || response.writableFinished) {
    queueMicrotask(listener);
    return;
  }
  response.once('close', listener);
}
