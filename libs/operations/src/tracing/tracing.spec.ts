import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from './tracing';

/** A span processor whose stop is the collector's answer to the flush. */
const processor = (shutdown: () => Promise<void>): SpanProcessor => ({
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown,
});

describe('tracing: a stop neither fails nor waits long for a trace collector', () => {
  it('goes on when the collector refuses the buffered spans, and says they are lost', async () => {
    // Before: the exporter's error was the stop's ("shutdown failed", exit 1), with OTEL_EXPORTER_OTLP_ENDPOINT pointing nowhere.
    const refused = processor(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:3639')));
    const tracing = startTracing({ serviceName: 'crm-test', autoInstrument: false, spanProcessors: [refused] });
    const warned: string[] = [];
    await expect(tracing.shutdown((message) => warned.push(message))).resolves.toBeUndefined();
    expect(warned).toEqual(['the trace collector could not take the buffered spans: they are lost']);
  });

  it('stops waiting at the flush bound for a collector that does not answer', async () => {
    const silent = processor(() => new Promise<void>(() => undefined));
    const tracing = startTracing({ serviceName: 'crm-test', autoInstrument: false, spanProcessors: [silent], flushBoundMs: 50 });
    const warned: string[] = [];
    await tracing.shutdown((message) => warned.push(message));
    expect(warned).toEqual(['the trace collector did not take the buffered spans within 50 ms: they are lost']);
  });

  it('says nothing when the spans were sent', async () => {
    const tracing = startTracing({ serviceName: 'crm-test', autoInstrument: false, spanProcessors: [processor(async () => undefined)] });
    const warned: string[] = [];
    await tracing.shutdown((message) => warned.push(message));
    expect(warned).toEqual([]);
  });
});
