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
}

export interface Tracing {
  /** Registered on the Fastify instance before routes (`app.register(tracing.fastify.plugin())`). */
  readonly fastify: FastifyOtelInstrumentation;
  shutdown(): Promise<void>;
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
    async shutdown() {
      await sdk.shutdown(); // flushes the spans still buffered
      trace.disable();
      context.disable();
      propagation.disable();
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
