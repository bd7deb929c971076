import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from '@crm/operations';
import type { ProjectionRunner } from '@crm/projections/runtime';
import { parseTraceparent, type RecordedEvent } from '@crm/shared/event-sourcing';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { http, startTestApp, type TestApp } from '../testing/test-app';

describe('traces (OpenTelemetry, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let server: TestApp;

  beforeAll(async () => {
    // Jest loads modules itself, so require-time patching (http, Nest, pg) is off; the Fastify plugin and our own spans are not.
    tracing = startTracing({ serviceName: 'crm-api', spanProcessors: [new SimpleSpanProcessor(exporter)], autoInstrument: false });
    server = await startTestApp({}, { tracing });
  });
  afterAll(async () => {
    await server.close();
    await tracing.shutdown();
  });

  it("follows a command from the caller's traceparent through HTTP, command and append to the projection batches it fed", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const created = await http(
      server.url,
      'POST',
      '/api/v1/contacts',
      { fullName: 'مریم احمدی' },
      { traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(created.status).toBe(201);
    const position = created.body['position'] as string;
    await server.app.get<ProjectionRunner>(PROJECTION_RUNNER).waitFor('all', position, 10_000);

    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const parentOf = (span: ReadableSpan | undefined) => byId.get(span?.parentSpanContext?.spanId ?? '');
    const ancestors = (span: ReadableSpan | undefined): ReadableSpan[] => {
      const chain: ReadableSpan[] = [];
      for (let at = parentOf(span); at; at = parentOf(at)) chain.push(at);
      return chain;
    };

    // HTTP: the request span continues the caller's trace, under the caller's span.
    const request = spans.find((span) => span.name === 'request' && span.spanContext().traceId === traceId);
    expect(request?.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(request?.attributes).toMatchObject({ 'http.route': '/api/v1/contacts', 'http.request.method': 'POST' });

    // Command, then append, inside the request.
    const command = spans.find((span) => span.name === 'command CreateContact');
    expect(command?.spanContext().traceId).toBe(traceId);
    expect(ancestors(command)).toContain(request);
    const append = spans.find((span) => span.name === 'append' && span.parentSpanContext?.spanId === command?.spanContext().spanId);
    expect(append?.attributes).toMatchObject({ 'crm.stream.category': 'contact', 'crm.events': 1 });

    // The event remembers the command's span context...
    const stream = await http<{ events: RecordedEvent[] }>(server.url, 'GET', `/api/v1/streams/contact-${created.body['id'] as string}`);
    const recorded = parseTraceparent(stream.body.events[0]?.metadata.traceparent);
    expect(recorded).toMatchObject({ traceId, spanId: command?.spanContext().spanId });

    // ...so each projection batch that applied it, in a trace of its own, links back to it.
    const batches = spans.filter(
      (span) => span.name.startsWith('projection ') && span.links.some((link) => link.context.spanId === recorded?.spanId),
    );
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(batch.spanContext().traceId).not.toBe(traceId);
      expect(batch.parentSpanContext).toBeUndefined();
      expect(batch.links).toContainEqual(expect.objectContaining({ context: expect.objectContaining({ traceId }) }));
    }
  });

  it("records a caller's traceparent on the events even where this process does not trace", async () => {
    await tracing.shutdown(); // no SDK any more: spans are no-ops
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const created = await http(server.url, 'POST', '/api/v1/contacts', { fullName: 'رضا کریمی' }, { traceparent });
    const stream = await http<{ events: RecordedEvent[] }>(server.url, 'GET', `/api/v1/streams/contact-${created.body['id'] as string}`);
    expect(stream.body.events[0]?.metadata.traceparent).toBe(traceparent);
  });
});
