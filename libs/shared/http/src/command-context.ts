import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { canonicalJson, formatTraceparent, parseTraceparent, type Actor, type ExpectedRevision } from '@crm/shared/event-sourcing';
import { derivedId, isUuid, keyedUuid, newId, uuidV5 } from '@crm/shared/kernel';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf, type Principal } from './principal';
import { RequestValidationError, type FieldError } from './problem-details';

/** What the HTTP edge knows about a command beyond its body. */
export interface CommandContext {
  readonly commandId: string;
  /** From `If-Match: "<revision>"` (or set by a process); absent → the server retries conflicting appends. */
  readonly expectedRevision?: ExpectedRevision;
  readonly actor: Actor;
  readonly tenantId: string;
  readonly correlationId?: string;
  /** The message that caused this command (an event, for process managers); defaults to the command itself. */
  readonly causationId?: string;
  /** Keyed hash of the request (route and body): a command id reused with another request is refused (422). */
  readonly fingerprint?: string;
  /** The caller's W3C `traceparent`, when valid: recorded on the events even with tracing off here. */
  readonly traceparent?: string;
  /**
   * The command id the server made for this request (no Idempotency-Key, no body commandId): see
   * `commandIdIsNew`. A context copied with another command id keeps it, and is then no longer new.
   */
  readonly issuedCommandId?: string;
}

/**
 * True when the command id was made by the server for this very request: nothing can have been recorded under it,
 * or under an id derived from it, so the idempotency look-ups (a retry's first reply) can be skipped. A command id
 * from a caller's key, a body or a derivation (a purchase's external reference) is never new.
 */
export function commandIdIsNew(context: Pick<CommandContext, 'commandId' | 'issuedCommandId'>): boolean {
  return context.issuedCommandId !== undefined && context.issuedCommandId === context.commandId;
}

/** Ids the server makes for a command follow from its id, so a retry re-creates the same ids. */
export function idFor(context: CommandContext, purpose: string): string {
  return derivedId(context.commandId, purpose);
}

/**
 * What an Idempotency-Key or X-On-Behalf-Of may hold: ASCII letters, digits and ._:@-. The check below and the
 * OpenAPI document (api-docs.ts) read this one pattern. A header field carries bytes, which Node reads as Latin-1: a
 * UTF-8 'ê' arrives as 'Ãª', a Persian id as bytes that are no letters. Only ASCII means the same at both ends, so
 * nothing else is taken (and recorded garbled).
 */
export const HEADER_TOKEN_PATTERN = '^[A-Za-z0-9._:@-]{1,200}$';
const TOKEN = new RegExp(HEADER_TOKEN_PATTERN);
export const TOKEN_RULE = '1–200 ASCII letters, digits or ._:@- (a header carries no text past ASCII)';

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `*` matches any existing aggregate (RFC 9110 §13.1.1); otherwise one revision, as a reply's `revision` spells it:
 * `"3"` (an entity-tag), or a bare `3` as before (a published pattern took it; refusing it now would break clients).
 * Read strictly otherwise (an outside probe): `"03"` is no revision's spelling, so it never stands for revision 3, and
 * a quote left open is malformed. If-Match compares strongly (§13.1.1), so a weak tag (`W/"3"`) could never match:
 * refused as malformed. A list of tags is refused too: a command expects one revision.
 */
function parseIfMatch(value: string | undefined, errors: FieldError[]): ExpectedRevision | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '*') return 'stream_exists';
  const match = /^\s*("?)(0|[1-9]\d{0,14})\1\s*$/.exec(value);
  if (match) return Number(match[2]);
  const message = /^\s*W\//.test(value)
    ? 'If-Match compares strongly: give the revision as "3", not a weak tag (W/)'
    : value.includes(',')
      ? 'If-Match takes one revision here, as a reply\'s revision gives it ("3"), or *'
      : 'If-Match must be a stream revision as a reply\'s revision gives it, without leading zeros: "3"';
  errors.push({ field: 'header.If-Match', messages: [message] });
  return undefined;
}

/**
 * What identifies a request for idempotency: method, path, the body (keys
 * sorted, `commandId` left out since it is the key itself), and the caller and
 * the person it acts for (X-On-Behalf-Of). Hashed here and keyed with the
 * server secret before it is stored.
 */
export function requestDigest(method: string, path: string, body: unknown, actor?: Actor): string {
  const { commandId: _key, ...rest } = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : { body }) as Record<
    string,
    unknown
  >;
  // Who acts, and for whom, is recorded with the events: another caller, or another person acted for, under the same
  // Idempotency-Key is another request (422), not a retry answered with the first one's reply.
  const who = actor ? `\n${canonicalJson({ actor: actor.id, onBehalfOf: actor.onBehalfOf ?? null })}` : '';
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(rest)}${who}`)
    .digest('hex');
}

/**
 * The actor is the authenticated principal, never a claim: a client cannot
 * name who acted, only (X-On-Behalf-Of) the person it acted for, recorded
 * beside the principal.
 */
export function commandContextFrom(headers: Headers, body: unknown, principal: Principal, commandIdKey?: Buffer): CommandContext {
  const errors: FieldError[] = [];
  const { tenantId } = principal;
  const key = header(headers, 'idempotency-key');
  const bodyCommandId = (body as { commandId?: unknown } | null)?.commandId;
  if (key !== undefined && !TOKEN.test(key)) {
    errors.push({ field: 'header.Idempotency-Key', messages: [`Idempotency-Key must be ${TOKEN_RULE}`] });
  }
  // A key is a client's word, scoped to its tenant, whether it came in the header or as the body's commandId: a UUID is
  // the command id itself, another key is keyed into one (an outside probe found order-42 taken in the header only).
  const idOf = (given: unknown): string | undefined =>
    typeof given === 'string' && TOKEN.test(given)
      ? isUuid(given)
        ? given.toLowerCase()
        : commandIdOfKey(tenantId, given, commandIdKey)
      : undefined;
  const fromKey = idOf(key);
  const fromBody = idOf(bodyCommandId);
  if (fromKey && fromBody && fromKey !== fromBody) {
    errors.push({ field: 'commandId', messages: ['commandId and Idempotency-Key name different commands'] });
  }
  const expectedRevision = parseIfMatch(header(headers, 'if-match'), errors);
  const onBehalfOf = header(headers, 'x-on-behalf-of');
  if (onBehalfOf !== undefined && !TOKEN.test(onBehalfOf)) {
    errors.push({ field: 'header.X-On-Behalf-Of', messages: [`X-On-Behalf-Of must be ${TOKEN_RULE}`] });
  }
  const correlationId = header(headers, 'x-correlation-id');
  if (correlationId !== undefined && !isUuid(correlationId)) {
    errors.push({ field: 'header.X-Correlation-Id', messages: ['X-Correlation-Id must be a UUID'] });
  }
  const trace = parseTraceparent(header(headers, 'traceparent'));
  if (errors.length > 0) throw new RequestValidationError(errors);
  const actor: Actor = { id: principal.id, roles: [...principal.roles], ...(onBehalfOf === undefined ? {} : { onBehalfOf }) };
  const commandId = fromKey ?? fromBody ?? newId();
  return {
    commandId,
    ...(fromKey === undefined && fromBody === undefined ? { issuedCommandId: commandId } : {}),
    expectedRevision,
    actor,
    tenantId,
    correlationId,
    ...(trace ? { traceparent: formatTraceparent(trace) } : {}),
  };
}

/**
 * The command id of an Idempotency-Key that is not a UUID. Keyed with the server secret: ids derive from the command
 * id (a lead's, its stream's name), and a client may build its keys from personal data (`lead-09121234567`), which
 * an unkeyed hash would give back to anyone with the id (a dictionary of phone numbers away). Unkeyed only where no
 * server secret is given (tools and tests that build contexts themselves).
 */
export function commandIdOfKey(tenantId: string, key: string, commandIdKey?: Buffer): string {
  return commandIdKey === undefined ? uuidV5(`${tenantId}/${key}`) : keyedUuid(commandIdKey, `idempotency-key\n${tenantId}\n${key}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The server secret command ids of Idempotency-Keys are keyed with (keyCommandIds). */
    commandIdKey?: Buffer;
  }
}

/**
 * Every request of this server derives the command ids of its Idempotency-Keys keyed with `key` (the server secret).
 * A key whose command was recorded before ids were keyed (`recorded` finds it under the unkeyed id) keeps that id, so
 * that a retry sent across the upgrade gets its first reply instead of being recorded a second time: one look-up per
 * request under a key that is not a UUID.
 */
export function keyCommandIds(
  fastify: FastifyInstance,
  key: Buffer,
  recorded: (commandId: string, tenantId: string) => Promise<boolean>,
): void {
  if (!fastify.hasRequestDecorator('commandIdKey')) fastify.decorateRequest('commandIdKey', undefined);
  // After authentication (the tenant is the principal's), before the handler reads its context (Ctx). One hook, and
  // no promise for a request without such a key (most of them).
  fastify.addHook('preHandler', (request, _reply, done) => {
    request.commandIdKey = key;
    // The header's key, or the body's commandId, which names the same command (a command recorded under the header
    // before ids were keyed, retried with the key in the body, is answered too: a review).
    const inBody = (request.body as { commandId?: unknown } | null | undefined)?.commandId;
    const idempotencyKey = header(request.headers, 'idempotency-key') ?? (typeof inBody === 'string' ? inBody : undefined);
    const tenantId = request.principal?.tenantId;
    if (idempotencyKey === undefined || tenantId === undefined || !TOKEN.test(idempotencyKey) || isUuid(idempotencyKey)) {
      done();
      return;
    }
    recorded(commandIdOfKey(tenantId, idempotencyKey), tenantId).then((found) => {
      if (found) request.commandIdKey = undefined;
      done();
    }, done);
  });
}

/** `@Ctx() ctx: CommandContext` in a controller method. */
export const Ctx = createParamDecorator((_: unknown, execution: ExecutionContext): CommandContext => {
  const request = execution.switchToHttp().getRequest<FastifyRequest>();
  const path = request.url.split('?')[0] ?? request.url;
  const context = commandContextFrom(request.headers, request.body, principalOf(request), request.commandIdKey);
  return { ...context, fingerprint: requestDigest(request.method, path, request.body, context.actor) };
});
