import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { answeredProblem, noteAnsweredProblem, onEdgeRefusal, problem, PROBLEM_CONTENT_TYPE, SERVICE_PROBLEMS } from '@crm/shared/http';
import { requestBindings } from '../logging/logging';
import { type CrmMetrics, UNMATCHED_ROUTE } from '../metrics/crm-metrics';
import type { ShutdownState } from '../shutdown/shutdown-state';

/**
 * The logger pino-http bound to the request, with its request and correlation
 * ids (see logging.ts). Not `req.log`: Fastify's middleware layer puts
 * Fastify's own logger there first.
 */
function requestLogger(raw: object): Logger | undefined {
  return (raw as { allLogs?: Logger[] }).allLogs?.at(-1);
}

/**
 * Answered while draining as at any time: liveness stays 200 (the process answers), readiness and the details
 * 503 with their own body, whose `shutdown` check is down, as their OpenAPI operations say.
 */
const HEALTH_ROUTES = new Set(['/health', '/health/live', '/health/ready']);

/** The method label of a request Node's parser could not read. */
const UNPARSED_METHOD = 'UNPARSED';

export interface HttpObservability {
  readonly metrics: CrmMetrics;
  readonly logger: Logger;
  readonly shutdown: ShutdownState;
}

/**
 * Fastify hooks for what only the HTTP layer sees: the status actually sent
 * (whatever filter or parser produced it, unknown routes included) goes into
 * the latency histogram and the one request line; while shutting down, new
 * requests are answered 503 at once, all but the health probes.
 */
export function observeHttp(app: NestFastifyApplication, { metrics, logger, shutdown }: HttpObservability): void {
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', (request, reply, done) => {
    // Fastify made the id from the caller's X-Request-Id (see requestIdOf); the caller gets it back either way.
    void reply.header('x-request-id', request.id);
    if (!shutdown.draining) return done();
    // The probes' connections close too, so the server is not held open by a keep-alive prober.
    void reply.header('connection', 'close');
    if (HEALTH_ROUTES.has(request.routeOptions.url ?? '')) return done();
    // Answered, not reset: the caller knows nothing was done and may retry elsewhere.
    void reply
      .code(503)
      .header('retry-after', '1')
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        ...problem(503, SERVICE_PROBLEMS.SHUTTING_DOWN.code, 'Shutting down', 'This instance is shutting down; retry the request.'),
        instance: request.url,
      });
  });

  // Requests whose line is written: one line and one sample each, whichever of the paths below comes first.
  const recorded = new WeakSet<FastifyRequest>();
  /** Requests whose reply was written out in full. */
  const finished = new WeakSet<FastifyRequest>();

  // What the HTTP layer answers before any hook (a malformed request, a URL past the limits): counted and logged too.
  onEdgeRefusal(fastify.server, ({ method, status, code, requestId }) => {
    metrics.requestServed(method ?? UNPARSED_METHOD, undefined, status, 0);
    logger.info(
      { ...(requestId === undefined ? {} : { requestId }), method: method ?? UNPARSED_METHOD, route: UNMATCHED_ROUTE, status, code },
      'request',
    );
  });

  /** The one request line and sample, from the status the server decided; `aborted` when the client went away first. */
  const record = (request: FastifyRequest, reply: FastifyReply, aborted: boolean): void => {
    if (recorded.has(request)) return;
    recorded.add(request);
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    metrics.requestServed(request.method, route, status, reply.elapsedTime / 1000);
    // No middleware ran for a request no route matched: the same ids, bound here.
    const log = requestLogger(request.raw) ?? logger.child(requestBindings(request.raw, request.id));
    const problem = answeredProblem(request.raw);
    const line = {
      method: request.method,
      route: route ?? UNMATCHED_ROUTE,
      status,
      latencyMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(aborted ? { aborted: true } : {}),
      // A refusal's code tells a duplicate lead from a closed deal (both 409); an unexpected failure its error.
      ...(problem ? { code: problem.code } : {}),
      ...(problem?.error === undefined ? {} : { err: problem.error }),
    };
    // A 503 the service answers by design (a store busy, a read model behind, shutting down) is a warning.
    if (status >= 500 && status !== 503) log.error(line, 'request failed');
    else if (status >= 500) log.warn(line, 'request failed');
    else log.info(line, 'request');
  };

  fastify.addHook('onSend', (request, reply, payload, done) => {
    // A problem a hook answered itself (authentication's 401, a 405, a bad query escape, 415) did not pass the filter:
    // its code is read from the reply as it goes, so its request line names it too.
    const type = reply.getHeader('content-type');
    if (typeof payload === 'string' && typeof type === 'string' && type.startsWith(PROBLEM_CONTENT_TYPE) && !answeredProblem(request.raw)) {
      try {
        const code = (JSON.parse(payload) as { code?: unknown }).code;
        if (typeof code === 'string') noteAnsweredProblem(request.raw, { code });
      } catch {
        // Not JSON after all: the line goes without a code.
      }
    }
    // The status is decided. A reply to a connection the client has closed neither finishes nor fails, so Fastify runs
    // no onResponse for it: recorded here, once the onSend hooks after this one have run (they may still set headers).
    const response = reply.raw;
    if (response.destroyed) {
      setImmediate(() => record(request, reply, true));
    } else {
      // Closed while the reply is being written: no finish either. (`writableFinished` cannot tell: it is true once
      // `end()` let go of the socket, written or not.) A finished reply closes too, a tick after its finish.
      response.once('finish', () => finished.add(request));
      response.once('close', () => finished.has(request) || record(request, reply, true));
    }
    done(null, payload);
  });

  // On the reply's finish, or its error (then the connection is gone: destroyed).
  fastify.addHook('onResponse', (request, reply, done) => {
    record(request, reply, !finished.has(request) && reply.raw.destroyed);
    done();
  });
}
