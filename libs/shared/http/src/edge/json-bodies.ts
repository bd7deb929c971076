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
 * state; so is JSON declared in a charset other than UTF-8, or compressed.
 * `application/*+json` is JSON too: its header is rewritten to
 * `application/json`, so the one JSON parser (and its limits) reads it.
 */
export function acceptOnlyJsonBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!WITH_BODY.has(request.method) || request.routeOptions.url === undefined) return;
    const contentType = request.headers['content-type'];
    if (contentType === undefined && !hasBody(request.headers)) return;
    const [essence = '', ...parameters] = (contentType ?? '').split(';');
    const type = essence.trim().toLowerCase();
    const refuse = (detail: string) =>
      reply
        .code(415)
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', detail, { instance: request.url }));
    if (!JSON_TYPE.test(type)) {
      return refuse(
        `Send the body as application/json (or application/*+json), not ${contentType === undefined ? 'without a type' : JSON.stringify(type)}`,
      );
    }
    // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be read as UTF-8 all the same, and a
    // Latin-1 "Ã©" stored as "é".
    const charset = charsetOf(parameters);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return refuse(`Send the body in UTF-8, not charset=${charset}`);
    // A compressed body is not read as one (RFC 9110 §15.5.16): it would be parsed as it came, or its codec ignored.
    const coding = unacceptedCoding(request.headers['content-encoding']);
    if (coding !== undefined) {
      void reply.header('accept-encoding', 'identity');
      return refuse(`Send the body uncompressed: Content-Encoding ${JSON.stringify(coding)} is not accepted`);
    }
    if (type !== 'application/json') request.headers['content-type'] = ['application/json', ...parameters].join(';');
  });
}

/** The `charset` parameter of a media type, lower-cased and unquoted. */
function charsetOf(parameters: readonly string[]): string | undefined {
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() === 'charset')
      return value
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
  }
  return undefined;
}

/** The first content coding other than `identity`, if any. */
function unacceptedCoding(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const codings = [header]
    .flat()
    .flatMap((value) => value.split(','))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  return codings.find((coding) => coding !== 'identity');
}
