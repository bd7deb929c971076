import type { IncomingMessage } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { EdgeSettings } from './edge/edge-settings';
import { nameEveryBadPart } from './edge/every-bad-part';
import { HTTP_LAYER_OPTIONS, installEdgeHooks } from './edge/http-layer';
import { finalizeDocument } from './openapi/finalize-document';
import { ProblemDetailsFilter } from './problem-details.filter';
import { createValidationPipe } from './validation';

/** Half of KurrentDB's default MaxAppendSize, so that what the edge accepts can be recorded (platform app-config.ts). */
export const DEFAULT_BODY_LIMIT_BYTES = 512 * 1024;

export interface FastifyAdapterOptions {
  /** The request id: the caller's `X-Request-Id` or a new one (operations decides); Fastify's counter otherwise. */
  readonly genReqId?: (request: IncomingMessage) => string;
}

/**
 * Fastify as the edge wants it: no proxy trusted unless configured (else a
 * client could pick its own address for the rate limits), and timeouts that
 * cut off a client trickling its headers or body (Fastify's own default is
 * no request timeout at all).
 */
export function createFastifyAdapter(bodyLimit: number, edge: EdgeSettings, options: FastifyAdapterOptions = {}): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit,
    ...(options.genReqId ? { genReqId: options.genReqId } : {}),
    ...HTTP_LAYER_OPTIONS,
    trustProxy: Array.isArray(edge.trustProxy) ? [...edge.trustProxy] : (edge.trustProxy as boolean | number),
    requestTimeout: edge.requestTimeoutMs,
    connectionTimeout: edge.idleTimeoutMs,
    // While the server closes, a request on a kept-alive connection still goes through the hooks, where the draining
    // instance answers 503 SERVICE.SHUTTING_DOWN (problem+json, as declared), not Fastify's own undeclared JSON 503.
    return503OnClosing: false,
    // Node checks the request and header deadlines on this interval (30 s by default): a timeout is only as sharp as it.
    http: { headersTimeout: edge.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, edge.headersTimeoutMs) },
  });
}

export interface HttpAppOptions {
  readonly title?: string;
  readonly version?: string;
  /** Adds what the document cannot learn from decorators (security schemes and roles, from the access table). */
  readonly decorateDocument?: (document: OpenAPIObject) => OpenAPIObject;
}

/**
 * Everything an HTTP host needs so that every context behaves the same:
 * /api/v1 prefix, validation (one 400 for every bad part of a request), problem+json for every error (Nest hands the
 * ones Fastify raises while parsing — 413, malformed JSON — to the same
 * filter), and the OpenAPI document.
 */
export async function configureHttpApp(app: NestFastifyApplication, options: HttpAppOptions = {}): Promise<void> {
  // Before the routes are registered (at init): each handler's parameter step is built then.
  nameEveryBadPart();
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'health/live', 'health/ready', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  // JSON bodies through the one edge parser; the app is created with `bodyParser: false` so Nest does not add its own.
  installEdgeHooks(app.getHttpAdapter().getInstance());

  const built = finalizeDocument(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(options.title ?? 'CRM core API')
        .setDescription('Commands append immutable events; views read projections. Errors are application/problem+json (RFC 9457).')
        .setVersion(options.version ?? '1')
        .build(),
    ),
  );
  const document = options.decorateDocument ? options.decorateDocument(built) : built;
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', useGlobalPrefix: false });
}
