import { startTracingFromEnv } from '@crm/operations/tracing';

/**
 * Imported first by main.ts: the OpenTelemetry SDK must patch http, NestJS,
 * pg and mongodb before they load. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export const tracing = startTracingFromEnv('crm-api');
