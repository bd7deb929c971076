import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Options } from 'pino-http';
import type { LogLevel } from '@crm/platform';

export interface LoggingOptions {
  readonly level: LogLevel;
  /** `crm-api`, `crm-projector`: on every line, so one log pipeline can carry both. */
  readonly service: string;
  /** Where the JSON lines go; standard output by default. */
  readonly destination?: DestinationStream;
}

// A caller's request id is echoed and logged: a token, never free text.
const REQUEST_ID = /^[\w.:@-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The caller's `X-Correlation-Id`, on the same terms as the command context takes it (a UUID). */
export function correlationIdOf(req: IncomingMessage): string | undefined {
  const value = header(req, 'x-correlation-id');
  return value !== undefined && UUID.test(value) ? value : undefined;
}

/** The caller's `X-Request-Id` when it is a plain token, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = header(req, 'x-request-id');
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What every line logged while serving a request carries. */
export function requestBindings(req: IncomingMessage, requestId: string): { requestId: string; correlationId?: string } {
  const correlationId = correlationIdOf(req);
  return { requestId, ...(correlationId ? { correlationId } : {}) };
}

/**
 * JSON lines (never colours, TTY or not), ISO UTC times, level names, and
 * the active trace and span ids when tracing is on, so a log line leads to
 * its trace.
 */
export function createRootLogger(options: LoggingOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const span = trace.getActiveSpan()?.spanContext();
        return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * pino-http as nestjs-pino applies it: binds a logger carrying the request id
 * and the correlation id to the request, so every line logged while serving
 * it carries both. The one request line is written when the reply has gone
 * (see http-observability.ts), where the route and the status sent are known.
 */
export function requestLoggingOptions(logger: Logger): Options {
  return {
    logger,
    autoLogging: false,
    // The request itself is summed up in the request line; the bindings carry only its ids.
    serializers: { req: () => undefined },
    // Fastify has already chosen the id (requestIdOf) and set it on the request; this is for a request it did not see.
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    customProps: (req: IncomingMessage) => requestBindings(req, (req as IncomingMessage & { id?: string }).id ?? requestIdOf(req)),
  };
}
