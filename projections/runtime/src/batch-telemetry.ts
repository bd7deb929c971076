import { SpanKind, SpanStatusCode, trace, TraceFlags, type Link } from '@opentelemetry/api';
import { parseTraceparent, type RecordedEvent } from '@crm/shared/event-sourcing';
import type { ProgressPhase } from './progress';

/** One batch through one projection, for the host's metrics. */
export interface BatchReport {
  readonly projection: string;
  readonly phase: ProgressPhase;
  /** Events handed to the projection (its own types only). */
  readonly events: number;
  readonly applied: number;
  readonly seconds: number;
  readonly checkpoint: string | undefined;
  /** `failed`: the projection threw and stopped at an event; `error`: the store failed, the batch will be retried. */
  readonly outcome: 'applied' | 'failed' | 'error';
}

// OpenTelemetry's default limit per span; a batch of 500 commands' events would otherwise carry 500 links.
const MAX_LINKS = 128;

const tracer = trace.getTracer('@crm/projections/runtime');

/** The requests that caused these events, once each, as span links. */
export function linksTo(events: readonly RecordedEvent[]): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const event of events) {
    const traceparent = event.metadata.traceparent;
    if (traceparent === undefined || seen.has(traceparent) || links.length >= MAX_LINKS) continue;
    seen.add(traceparent);
    const context = parseTraceparent(traceparent);
    if (context) links.push({ context: { ...context, traceFlags: context.traceFlags & TraceFlags.SAMPLED, isRemote: true } });
  }
  return links;
}

/**
 * Runs a batch in its own trace (a batch serves many requests, so it is no
 * request's child) linked to the requests that caused its events; the read
 * store's own spans nest under it.
 */
export function traceBatch<T>(
  projection: string,
  phase: ProgressPhase,
  events: readonly RecordedEvent[],
  work: () => Promise<T>,
  /** Why the result is a failure (a projection error is a result, not a throw), or undefined. */
  failureOf: (result: T) => string | undefined = () => undefined,
): Promise<T> {
  const attributes = { 'crm.projection': projection, 'crm.projection.phase': phase, 'crm.events': events.length };
  return tracer.startActiveSpan(`projection ${projection}`, { kind: SpanKind.CONSUMER, root: true, attributes }, async (span) => {
    try {
      if (span.isRecording()) span.addLinks(linksTo(events));
      const result = await work();
      const failure = failureOf(result);
      if (failure !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
      return result;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
