import { isSpanContextValid, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { formatTraceparent, streamCategory, type EventStore } from '@crm/shared/event-sourcing';
import { toProblem } from './problem-mapping';

export type CommandOutcome = 'accepted' | 'duplicate' | 'refused' | 'failed';
/** `refused`: the store answered no (a revision conflict); `failed`: it did not answer as it should. */
export type AppendOutcome = 'ok' | 'refused' | 'failed';

/** What the host measures about commands and appends (the API's Prometheus metrics); optional. */
export interface CommandObserver {
  commandHandled(commandType: string, outcome: CommandOutcome, seconds: number): void;
  /**
   * One append: `category` labels its duration (`several` for one across streams), `events` counts what it appended
   * by each stream's own category.
   */
  eventsAppended(category: string, events: Readonly<Record<string, number>>, seconds: number, outcome: AppendOutcome): void;
}

// The OpenTelemetry API alone: without an SDK registered (OTEL_EXPORTER_OTLP_ENDPOINT unset) every span is a no-op.
const tracer = trace.getTracer('@crm/shared/http');

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** The active span as a W3C `traceparent`, when a tracing SDK records one. */
export function activeTraceparent(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? formatTraceparent(context) : undefined;
}

/** A refusal (4xx: the caller's request or a business rule) is not a failure of the service. */
export function outcomeOf(error: unknown): CommandOutcome {
  return toProblem(error).body.status < 500 ? 'refused' : 'failed';
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs one command inside a `command <type>` span and reports its duration and outcome. */
export function traceCommand<T extends { readonly duplicate: boolean }>(
  commandType: string,
  streamId: string,
  observer: CommandObserver | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const started = process.hrtime.bigint();
  const attributes = { 'crm.command.type': commandType, 'crm.stream.category': streamCategory(streamId) };
  return tracer.startActiveSpan(`command ${commandType}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      const result = await work();
      span.setAttribute('crm.command.duplicate', result.duplicate);
      observer?.commandHandled(commandType, result.duplicate ? 'duplicate' : 'accepted', seconds(started));
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      if (outcome === 'failed') failed(span, error);
      span.setAttribute('crm.command.outcome', outcome);
      observer?.commandHandled(commandType, outcome, seconds(started));
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * What an append writes, by stream category: `(streamId, events)` for one stream, `(appends)` of `{ streamId, events }`
 * for several (appendToStreams, appendInOrder). Before, one across streams counted 0 events: a lead capture's three
 * and a qualification's four were missing from `crm_events_appended_total` (an outside telemetry probe).
 */
function appendedByCategory(args: readonly unknown[]): { readonly category: string; readonly events: Record<string, number> } {
  const [first, second] = args;
  const events: Record<string, number> = {};
  const add = (streamId: unknown, list: unknown) => {
    if (typeof streamId !== 'string' || !Array.isArray(list)) return;
    const category = streamCategory(streamId);
    events[category] = (events[category] ?? 0) + list.length;
  };
  if (typeof first === 'string') {
    add(first, second);
    return { category: streamCategory(first), events };
  }
  if (Array.isArray(first)) for (const part of first as { streamId?: unknown; events?: unknown }[]) add(part?.streamId, part?.events);
  const categories = Object.keys(events);
  return { category: categories.length === 1 ? (categories[0] as string) : 'several', events };
}

async function traceAppend(observer: CommandObserver | undefined, args: unknown[], append: () => Promise<unknown>): Promise<unknown> {
  const { category, events } = appendedByCategory(args);
  const count = Object.values(events).reduce((sum, n) => sum + n, 0);
  const started = process.hrtime.bigint();
  const attributes = { 'crm.stream.category': category, 'crm.events': count };
  return tracer.startActiveSpan('append', { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await append();
      observer?.eventsAppended(category, events, seconds(started), 'ok');
      return result;
    } catch (error) {
      // A refused append (a revision conflict) is the store answering, not failing.
      const outcome = outcomeOf(error) === 'failed' ? 'failed' : 'refused';
      if (outcome === 'failed') failed(span, error);
      observer?.eventsAppended(category, events, seconds(started), outcome);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The same store, with every append (`appendToStream` and any other `append…`
 * the port grows) in an `append` span and measured. A Proxy rather than a
 * wrapper class, so the adapter keeps its identity (`instanceof`) and every
 * other method, each called on the store itself.
 */
export function observeAppends<S extends EventStore>(store: S, observer: CommandObserver | undefined): S {
  const methods = new Map<PropertyKey, unknown>();
  const method = (property: PropertyKey, value: (...args: unknown[]) => unknown): unknown => {
    let bound = methods.get(property);
    if (bound === undefined) {
      bound =
        typeof property === 'string' && property.startsWith('append')
          ? (...args: unknown[]) => traceAppend(observer, args, () => Promise.resolve(value.apply(store, args)))
          : value.bind(store);
      methods.set(property, bound);
    }
    return bound;
  };
  // The target only stands in: every trap reads the store, so none of its own properties' invariants apply.
  return new Proxy(Object.create(null) as S, {
    get: (_, property) => {
      const value: unknown = Reflect.get(store, property, store);
      return typeof value === 'function' ? method(property, value as (...args: unknown[]) => unknown) : value;
    },
    has: (_, property) => Reflect.has(store, property),
    set: (_, property, value) => Reflect.set(store, property, value, store),
    getPrototypeOf: () => Object.getPrototypeOf(store),
  });
}
