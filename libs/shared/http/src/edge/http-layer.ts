import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, PROBLEM_CONTENT_TYPE, problemTitle, type ProblemDetails } from '../problem-details';
import { parseJsonBody } from './json-body';

/** Longer request targets get 414; well under Node's 16 KiB header limit, so the answer is ours, not a reset. */
export const MAX_URL_LENGTH = 8 * 1024;
/** Path parameters up to this long reach the route (stream ids run to ~140 characters); longer → 414. */
export const MAX_PARAM_LENGTH = 256;

const title = (status: number) => STATUS_CODES[status] ?? 'Error';

/** `instance`: the request's target, where there is a request to name (not for what the parser could not read). */
function layerProblem(status: number, code: string, detail: string, instance?: string): ProblemDetails {
  return problem(status, code, problemTitle(status), detail, instance === undefined ? {} : { instance });
}

function requestLineTooLong(packet: unknown): boolean {
  if (!Buffer.isBuffer(packet)) return false;
  const end = packet.indexOf('\r\n');
  return end < 0 || end > MAX_URL_LENGTH;
}

/** A request the HTTP layer refused before any route or hook ran: what the request log and metrics still count. */
export interface EdgeRefusal {
  /** Unknown when Node's parser could not read the request line. */
  readonly method: string | undefined;
  readonly status: number;
  readonly code: string;
  /** The request's id, when Fastify had made a request of it (a bad percent-escape in the path, say). */
  readonly requestId?: string;
}

const REFUSAL_LISTENERS = new WeakMap<object, (refusal: EdgeRefusal) => void>();

/**
 * Tells `listener` of every request the HTTP layer of `server` (the Node server under Fastify) answers itself: a
 * malformed request line, headers or a URL past the limits, a bad percent-escape, a path parameter too long. No hook
 * runs for those, so before they were neither counted nor logged (an outside telemetry probe).
 */
export function onEdgeRefusal(server: object, listener: (refusal: EdgeRefusal) => void): void {
  REFUSAL_LISTENERS.set(server, listener);
}

function refused(server: unknown, method: string | undefined, body: ProblemDetails, requestId?: string): void {
  if (typeof server !== 'object' || server === null) return;
  try {
    REFUSAL_LISTENERS.get(server)?.({ method, status: body.status, code: body.code, ...(requestId === undefined ? {} : { requestId }) });
  } catch {
    // Telemetry is advisory: the answer goes out whatever it does.
  }
}

/**
 * Errors Node's HTTP parser meets before Fastify has a request (header too
 * large, malformed framing, a timeout), written straight to the socket as
 * problem+json. An overflow whose request line alone is past the URL limit
 * (or whose packet never reaches its end) is a URL too long (414); otherwise
 * the headers are (431).
 */
export function clientErrorHandler(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let body: ProblemDetails;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    body = !requestLineTooLong(error.rawPacket)
      ? layerProblem(431, 'REQUEST.HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts.')
      : layerProblem(414, 'REQUEST.URL_TOO_LONG', 'The request URL is longer than the server accepts.');
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    body = layerProblem(408, 'REQUEST.TIMEOUT', 'The request was not received in time.');
  } else {
    body = layerProblem(400, 'REQUEST.MALFORMED', 'The request is not well-formed HTTP/1.1.');
  }
  refused((socket as Socket & { server?: unknown }).server, undefined, body);
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.status} ${title(body.status)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

/** How much of a refused body is read and dropped, at most, so that its client reads the 413 rather than a reset. */
const DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_MS = 10_000;

/** Reads `raw` to its end (dropping it) and then calls `then`; sooner once DRAIN_BYTES or DRAIN_MS are passed. */
function drainThen(raw: FastifyRequest['raw'], then: () => void): void {
  let seen = 0;
  let over = false;
  const finish = () => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    raw.off('data', count);
    then();
  };
  const count = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_BYTES) finish();
  };
  const timer = setTimeout(finish, DRAIN_MS);
  raw.on('data', count);
  raw.once('end', finish);
  raw.once('error', finish);
  raw.once('close', finish);
  raw.resume();
}

/** Fastify's own routing errors (bad percent-escapes, a path parameter too long) as problem+json. */
export function frameworkErrors(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const body =
    error.code === 'FST_ERR_BAD_URL'
      ? layerProblem(400, 'REQUEST.BAD_URL', 'The URL has a malformed percent-escape.', request.url)
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? layerProblem(414, 'REQUEST.URL_TOO_LONG', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`, request.url)
        : layerProblem(400, 'REQUEST.BAD', 'The request could not be routed.', request.url);
  refused(request.server.server, request.method, body, request.id);
  // No hook runs for these: the request's id (the caller's X-Request-Id, or the one made for it) is given back here.
  void reply.code(body.status).header('x-request-id', request.id).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Fastify options that make the HTTP layer's own refusals problem+json. */
export const HTTP_LAYER_OPTIONS = { clientErrorHandler, frameworkErrors, routerOptions: { maxParamLength: MAX_PARAM_LENGTH } } as const;

/**
 * After the app is built: JSON bodies through our parser (`application/json`
 * and `application/*+json`), and over-long URLs refused before routing.
 */
export function installEdgeHooks(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json']);
  const parser = (_request: FastifyRequest, raw: string | Buffer, done: (error: Error | null, body?: unknown) => void) => {
    try {
      done(null, parseJsonBody(raw));
    } catch (error) {
      done(error as Error);
    }
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, parser);
  fastify.addContentTypeParser(/^application\/[\w.-]+\+json$/, { parseAs: 'buffer' }, parser);
  // A reply body is encoded to UTF-8 once, here: sent as a string, Node measures its byte length (Content-Length) and
  // then encodes it while writing, two passes over a string that any non-Latin character (a Persian name) makes
  // two bytes a character (a 230 kB view spent more time in them than in JSON.stringify).
  fastify.addHook('onSend', (_request, _reply, payload, done) => {
    done(null, typeof payload === 'string' ? Buffer.from(payload) : payload);
  });
  // A body over the limit is refused (413, Connection: close) by its Content-Length, before it is read. Closing while
  // the client still uploads makes the close a reset: the client sees its upload fail and never reads the 413. So the
  // rest of the body is read and dropped first, up to a cap in bytes and time; past it the connection closes as before.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode !== 413 || request.raw.complete) return done(null, payload);
    drainThen(request.raw, () => done(null, payload));
  });
  answerOtherMethods(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.url.length > MAX_URL_LENGTH) {
      void reply
        .code(414)
        .type(PROBLEM_CONTENT_TYPE)
        .send(JSON.stringify(layerProblem(414, 'REQUEST.URL_TOO_LONG', `The request URL is longer than ${MAX_URL_LENGTH} characters.`)));
      return;
    }
    // The query string as the path is held (FST_ERR_BAD_URL): Fastify's parser would read `%ZZ` as it is and a
    // `%FF` or an encoded surrogate as U+FFFD, and the parameter would be taken as something the client never sent.
    const query = request.url.indexOf('?');
    if (query < 0 || wellEscaped(request.url.slice(query + 1))) return done();
    void reply
      .code(400)
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        JSON.stringify(
          layerProblem(400, 'REQUEST.BAD_URL', 'The query string has a malformed percent-escape or one that is not UTF-8.', request.url),
        ),
      );
  });
}

function wellEscaped(query: string): boolean {
  if (!query.includes('%')) return true;
  try {
    decodeURIComponent(query);
    return true;
  } catch {
    return false;
  }
}

/**
 * A path the API serves, asked with a method it does not take: 405 with `Allow` naming the ones it does (RFC 9110
 * §15.5.6), not the 404 of a path that does not exist. Routes are learnt as they are registered.
 */
function answerOtherMethods(fastify: FastifyInstance): void {
  const routes: { readonly method: string; readonly pattern: RegExp }[] = [];
  fastify.addHook('onRoute', (route) => {
    const pattern = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+')}$`);
    for (const method of [route.method].flat()) routes.push({ method, pattern });
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== undefined) return done();
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))].sort();
    if (allowed.length === 0 || allowed.includes(request.method)) return done();
    void reply
      .code(405)
      .header('allow', allowed.join(', '))
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        JSON.stringify(
          layerProblem(405, 'REQUEST.METHOD_NOT_ALLOWED', `${path} takes ${allowed.join(', ')}, not ${request.method}.`, request.url),
        ),
      );
  });
}
