import type { OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { CONTRACT_SCHEMAS, problemResponse, RETRY_AFTER_HEADER } from './contract-schemas';
import { INTERNAL_PROBLEM, REQUEST_PROBLEMS, SERVICE_PROBLEMS, STORE_PROBLEMS } from './http-problems';
import { applySchemaShapes } from './schema-shapes';
import { UNLIMITED_ROUTES } from '../edge/edge-settings';

const SECONDS = { type: 'integer', minimum: 0 } as const;

/**
 * What `@fastify/rate-limit` sends on a reply to a request it counted (every route but the probes, `UNLIMITED_ROUTES`),
 * as reusable header components: the caller's budget (its principal's once authenticated, its address's before), what is
 * left of it, and when it renews. Not on a reply given before the limit is reached in the request's course (a 401, a
 * request refused by the HTTP layer, a 503 while shutting down), nor with `CRM_RATE_LIMIT=off`.
 */
export const RATE_LIMIT_HEADER_COMPONENTS = {
  'X-RateLimit-Limit': { description: 'Requests this caller may make in each window (CRM_RATE_LIMIT_MAX)', schema: SECONDS },
  'X-RateLimit-Remaining': { description: 'Requests left to this caller in the current window', schema: SECONDS },
  'X-RateLimit-Reset': { description: 'Seconds until the current window ends and the budget renews', schema: SECONDS },
} as const;

/** References to RATE_LIMIT_HEADER_COMPONENTS, for a response's `headers`. */
export const RATE_LIMIT_HEADERS: Readonly<Record<string, { $ref: string }>> = Object.fromEntries(
  Object.keys(RATE_LIMIT_HEADER_COMPONENTS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
);

const problemResponseObject = (description: string, refusals: Parameters<typeof problemResponse>[1]) => {
  const { description: text, content } = problemResponse(description, refusals) as { description: string; content: unknown };
  return { description: text, content };
};

type Schema = Record<string, unknown>;

interface ResponseObject {
  description: string;
  content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] }; status?: { enum?: number[] } } }[] } }>;
}

/** A problem response built by problemResponse that may lack `refusal`: its code and description line added (codes kept sorted). */
function withCode(response: ResponseObject, refusal: { code: string; status: number; description: string }): void {
  const narrowed = response.content?.['application/problem+json']?.schema?.allOf?.[1]?.properties;
  const codes = narrowed?.code?.enum;
  if (!codes || codes.includes(refusal.code)) return;
  codes.push(refusal.code);
  codes.sort((a, b) => a.localeCompare(b));
  if (narrowed.status?.enum && !narrowed.status.enum.includes(refusal.status)) narrowed.status.enum.push(refusal.status);
  response.description = `${response.description}\n- \`${refusal.code}\`: ${refusal.description}`;
}

function componentOf(document: OpenAPIObject, schema: unknown): Schema | undefined {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return undefined;
  return document.components?.schemas?.[ref.slice('#/components/schemas/'.length)] as Schema | undefined;
}

/** OpenAPI 3.0 reads `nullable` only beside a `type`: a nullable `$ref` or `allOf` becomes `oneOf` with a null-typed branch. */
function fixNullable(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  const node = schema as Schema;
  if (node['nullable'] === true && node['type'] === undefined && Array.isArray(node['enum'])) {
    // A nullable enum: its type beside it, and null among its values (OpenAPI 3.0.3 §4.7.25).
    const values = node['enum'] as unknown[];
    node['type'] = typeof values.find((value) => value !== null);
    if (!values.includes(null)) node['enum'] = [...values, null];
  } else if (node['nullable'] === true && node['type'] === undefined) {
    delete node['nullable'];
    const { $ref, allOf, description } = node as { $ref?: string; allOf?: unknown[]; description?: string };
    const target = $ref !== undefined ? { $ref } : allOf !== undefined ? { allOf } : undefined;
    if (target) {
      for (const key of Object.keys(node)) delete node[key];
      Object.assign(node, { ...(description ? { description } : {}), oneOf: [target, { type: 'object', nullable: true, enum: [null] }] });
    }
  }
  for (const value of Object.values(node)) fixNullable(value);
}

/** Every `$ref` under `node`, the components it names. */
function refsUnder(document: OpenAPIObject, node: unknown, found: Set<Schema>): void {
  if (typeof node !== 'object' || node === null) return;
  const component = componentOf(document, node);
  if (component) {
    if (found.has(component)) return;
    found.add(component);
    refsUnder(document, component, found);
    return;
  }
  for (const value of Object.values(node)) refsUnder(document, value, found);
}

/**
 * The server refuses a field a request body's class does not declare (`forbidNonWhitelisted`), at every depth: the
 * schemas of request bodies, and of the objects within them, say so (`additionalProperties: false`), so that a client
 * that checks its request against the document learns what the server would answer. A schema that states it already,
 * or is composed (`allOf`), is left as it is.
 */
function closeRequestSchemas(document: OpenAPIObject): void {
  const found = new Set<Schema>();
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as { requestBody?: { content?: Record<string, { schema?: unknown }> } }[]) {
      for (const media of Object.values(operation?.requestBody?.content ?? {})) refsUnder(document, media.schema, found);
    }
  }
  for (const schema of found) {
    if (schema['properties'] === undefined || schema['additionalProperties'] !== undefined || schema['allOf'] !== undefined) continue;
    schema['additionalProperties'] = false;
  }
}

/**
 * The document is the contract: shared components (Problem, FieldError,
 * CommandReply), a server, the security requirement stated, no request body marked required when its schema
 * requires nothing (an empty `{}` is a valid command for those), and
 * `nullable` written where OpenAPI 3.0 reads it.
 */
export function finalizeDocument(document: OpenAPIObject): OpenAPIObject {
  document.servers = [{ url: '/', description: 'This server; paths carry the /api/v1 prefix' }];
  document.info.license ??= { name: 'UNLICENSED (private)' };
  // No security scheme is declared while the API takes no credentials; say so explicitly rather than leave it unsaid.
  document.security ??= [];
  const shared = structuredClone(CONTRACT_SCHEMAS) as unknown as Record<string, SchemaObject>;
  document.components = {
    ...document.components,
    schemas: { ...shared, ...document.components?.schemas },
    headers: { ...structuredClone(RATE_LIMIT_HEADER_COMPONENTS), ...document.components?.headers },
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as {
      requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
    }[]) {
      const body = operation?.requestBody;
      if (!body?.content) continue;
      const schema = componentOf(document, body.content['application/json']?.schema);
      if (schema && !(Array.isArray(schema['required']) && schema['required'].length > 0)) body.required = false;
    }
  }
  applySchemaShapes(document.components.schemas as Record<string, SchemaObject>);
  closeRequestSchemas(document);
  fixNullable(document);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item) as { responses?: Record<string, unknown> }[]) {
      if (!operation?.responses) continue;
      // A path parameter or query string that does not percent-decode to UTF-8 is refused before the route runs.
      operation.responses['400'] ??= problemResponseObject('Malformed URL', [REQUEST_PROBLEMS.BAD_URL]);
      withCode(operation.responses['400'] as ResponseObject, REQUEST_PROBLEMS.BAD_URL);
      // Any route may meet these: a request line that is not HTTP (a raw space or byte in the query), a request that
      // does not arrive in time, headers past the limit, a URL past the limit, or a failure the server does not explain.
      operation.responses['400'] ??= problemResponseObject('The request could not be read', [REQUEST_PROBLEMS.MALFORMED]);
      withCode(operation.responses['400'] as ResponseObject, REQUEST_PROBLEMS.MALFORMED);
      operation.responses['408'] ??= problemResponseObject('The request was not received in time', [REQUEST_PROBLEMS.TIMEOUT]);
      operation.responses['431'] ??= problemResponseObject('Request headers too large', [REQUEST_PROBLEMS.HEADERS_TOO_LARGE]);
      operation.responses['414'] ??= problemResponseObject('URL or path parameter too long', [REQUEST_PROBLEMS.URL_TOO_LONG]);
      operation.responses['500'] ??= problemResponseObject('The server failed; nothing about the failure is disclosed', [INTERNAL_PROBLEM]);
      // And a store that is busy or out of reach for a moment (STORE.UNAVAILABLE), or an instance draining for a
      // shutdown (SERVICE.SHUTTING_DOWN), beside a route's own 503s.
      const unavailable = STORE_PROBLEMS.UNAVAILABLE;
      operation.responses['503'] ??= problemResponseObject('A store was busy or out of reach', [unavailable]);
      withCode(operation.responses['503'] as ResponseObject, unavailable);
      withCode(operation.responses['503'] as ResponseObject, SERVICE_PROBLEMS.SHUTTING_DOWN);
      for (const status of ['429', '503']) {
        const response = operation.responses[status] as { headers?: Record<string, unknown> } | undefined;
        if (response) response.headers = { ...RETRY_AFTER_HEADER, ...response.headers };
      }
      if (UNLIMITED_ROUTES.has(path)) continue;
      for (const response of Object.values(operation.responses) as { $ref?: string; headers?: Record<string, unknown> }[]) {
        if (response.$ref === undefined) response.headers = { ...response.headers, ...RATE_LIMIT_HEADERS };
      }
    }
  }
  return document;
}
