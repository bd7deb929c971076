import { context, propagation, trace } from '@opentelemetry/api';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  readonly serviceName: string;
  /** Where spans go; by default the OTLP exporter the OTEL_EXPORTER_OTLP_* variables describe. */
  readonly spanProcessors?: SpanProcessor[];
  /**
   * Patch http, NestJS, pg and mongodb as they load (the default). Off where
   * modules are not loaded through Node's require (Jest): the Fastify plugin,
   * the command, append and projection spans still trace.
   */
  readonly autoInstrument?: boolean;
  /** How long a stop waits for the spans still buffered to reach the collector (default: the constant TRACE_FLUSH_BOUND_MS). */
  readonly flushBoundMs?: number;
}

/**
 * How long a stop waits for the spans still buffered to reach the collector. The exporter retries a collector that
 * does not answer for about ten seconds and then fails: that was the stop's failure (exit 1, found by an outside
 * newcomer probe with OTEL_EXPORTER_OTLP_ENDPOINT pointing nowhere). Spans are telemetry: those not delivered by then
 * are lost, said in the log, and the stop goes on.
 */
export const TRACE_FLUSH_BOUND_MS = 2_000;

/** Where a stop says that buffered spans were lost. */
export type TracingWarn = (message: string, error?: unknown) => void;

export interface Tracing {
  /** Registered on the Fastify instance before routes (`app.register(tracing.fastify.plugin())`). */
  readonly fastify: FastifyOtelInstrumentation;
  /** Flushes and stops, within the flush bound; never fails: spans it could not deliver are lost and said to `warn`. */
  shutdown(warn?: TracingWarn): Promise<void>;
}

// Probes and scrapes every few seconds would drown the traces that matter.
const OPERATIONS_PATH = /^\/(health(\/|$|\?)|metrics($|\?))/;

/** Starts the OpenTelemetry SDK: W3C trace context in and out, spans out by OTLP (or to the processors given). */
export function startTracing(options: TracingOptions): Tracing {
  const fastify = new FastifyOtelInstrumentation({ ignorePaths: ({ url }) => OPERATIONS_PATH.test(url) });
  const automatic =
    options.autoInstrument === false
      ? []
      : [
          new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => OPERATIONS_PATH.test(request.url ?? '') }),
          new NestInstrumentation(),
          new PgInstrumentation(),
          new MongoDBInstrumentation(),
        ];
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    instrumentations: [fastify, ...automatic],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    // Metrics are prom-client's (/metrics) and logs pino's (standard output): traces only.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    fastify,
    async shutdown(warn: TracingWarn = () => undefined) {
      const boundMs = options.flushBoundMs ?? TRACE_FLUSH_BOUND_MS;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), boundMs);
      });
      try {
        // Flushes the spans still buffered.
        const outcome = await Promise.race([sdk.shutdown().then(() => 'sent' as const), late]);
        if (outcome === 'late') warn(`the trace collector did not take the buffered spans within ${boundMs} ms: they are lost`);
      } catch (error) {
        warn('the trace collector could not take the buffered spans: they are lost', error);
      } finally {
        clearTimeout(timer);
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

/**
 * Tracing is on when an OTLP endpoint is configured (and OTEL_SDK_DISABLED is
 * not true); otherwise nothing is started and spans cost nothing.
 */
export function startTracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!endpoint || env['OTEL_SDK_DISABLED']?.toLowerCase() === 'true') return undefined;
  return startTracing({ serviceName: env['OTEL_SERVICE_NAME'] || serviceName });
}
