import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem-details';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/(?:json|[a-z0-9!#$&^_.-]+\+json)$/;

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Commands take JSON only (API.md): anything else is 415 before it is read,
 * so a cross-site form (urlencoded, multipart, text/plain) can never change
 * state. `application/*+json` is JSON too: its header is rewritten to
 * `application/json`, so the one JSON parser (and its limits) reads it.
 */
export function acceptOnlyJsonBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!WITH_BODY.has(request.method) || request.routeOptions.url === undefined) return;
    const contentType = request.headers['content-type'];
    if (contentType === undefined && !hasBody(request.headers)) return;
    const [essence = '', ...parameters] = (contentType ?? '').split(';');
    const type = essence.trim().toLowerCase();
    if (JSON_TYPE.test(type)) {
      if (type !== 'application/json') request.headers['content-type'] = ['application/json', ...parameters].join(';');
      return;
    }
    const detail = `Send the body as application/json (or application/*+json), not ${contentType === undefined ? 'without a type' : JSON.stringify(type)}`;
    return reply
      .code(415)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', detail, { instance: request.url }));
  });
}
