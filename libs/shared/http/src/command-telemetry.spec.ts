import { refusals } from '@crm/shared/kernel';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  DomainError,
  type EventStore,
  type EventToAppend,
  InMemoryEventStore,
  parseTraceparent,
  WrongExpectedRevisionError,
} from '@crm/shared/event-sourcing';
import { activeTraceparent, observeAppends, traceCommand, type CommandObserver } from './command-telemetry';

function recordingObserver() {
  const calls: unknown[][] = [];
  const observer: CommandObserver = {
    commandHandled: (type, outcome) => calls.push(['command', type, outcome]),
    eventsAppended: (category, events, _seconds, outcome) => calls.push(['append', category, events, outcome]),
  };
  return { calls, observer };
}

const toAppend = (eventId: string): EventToAppend => ({
  type: 'Opened',
  data: {},
  metadata: {
    eventId,
    commandId: eventId,
    correlationId: eventId,
    causationId: eventId,
    actor: { id: 'a', roles: [] },
    tenantId: 'default',
    occurredAt: '2026-01-01T00:00:00Z',
    schemaVersion: 1,
  },
});

describe('command telemetry', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('reports each command by type and outcome: accepted, duplicate, refused (4xx) or failed (5xx)', async () => {
    const { calls, observer } = recordingObserver();
    await traceCommand('OpenLead', 'lead-1', observer, async () => ({ duplicate: false }));
    await traceCommand('OpenLead', 'lead-1', observer, async () => ({ duplicate: true }));
    const refusal = new DomainError(refusals('LEAD', { CLOSED: [409, 'closed'] }).CLOSED, 'closed');
    await expect(traceCommand('QualifyLead', 'lead-1', observer, () => Promise.reject(refusal))).rejects.toBe(refusal);
    await expect(traceCommand('QualifyLead', 'lead-1', observer, () => Promise.reject(new Error('disk full')))).rejects.toThrow();
    expect(calls).toEqual([
      ['command', 'OpenLead', 'accepted'],
      ['command', 'OpenLead', 'duplicate'],
      ['command', 'QualifyLead', 'refused'],
      ['command', 'QualifyLead', 'failed'],
    ]);
    // Only the 5xx marks its span as an error: a refused command is the service working.
    expect(exporter.getFinishedSpans().map((span) => [span.name, span.status.code])).toEqual([
      ['command OpenLead', 0],
      ['command OpenLead', 0],
      ['command QualifyLead', 0],
      ['command QualifyLead', 2],
    ]);
  });

  it('measures appends through the same adapter, which keeps its identity and its other methods', async () => {
    const { calls, observer } = recordingObserver();
    const store = observeAppends(new InMemoryEventStore(), observer);
    expect(store).toBeInstanceOf(InMemoryEventStore);
    await store.appendToStream('marketing-list-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d', [toAppend('e1'), toAppend('e2')], {
      expectedRevision: 'no_stream',
    });
    await expect(
      store.appendToStream('marketing-list-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d', [toAppend('e3')], { expectedRevision: 'no_stream' }),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.readStream('marketing-list-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d')).toHaveLength(2);
    expect(calls).toEqual([
      ['append', 'marketing-list', { 'marketing-list': 2 }, 'ok'],
      ['append', 'marketing-list', { 'marketing-list': 1 }, 'refused'],
    ]);
  });

  it('counts the events of an append across streams by each stream’s category (before: 0 events, category "several")', async () => {
    const { calls, observer } = recordingObserver();
    const store = observeAppends(new InMemoryEventStore(), observer);
    await store.appendToStreams([
      { streamId: 'lead-6c0c3ca9-0761-531a-93e8-ec16783bcff8', events: [toAppend('e1')] },
      { streamId: 'lead-key-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d', events: [toAppend('e2')] },
      { streamId: 'lead-key-1b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d', events: [toAppend('e3')] },
    ]);
    await store.appendToStreams([{ streamId: 'contact-2b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d', events: [toAppend('e4'), toAppend('e5')] }]);
    expect(calls).toEqual([
      ['append', 'several', { lead: 1, 'lead-key': 2 }, 'ok'],
      ['append', 'contact', { contact: 2 }, 'ok'],
    ]);
  });

  it('wraps a store whose append is a fixed own property (a test double built with Object.create)', async () => {
    const { calls, observer } = recordingObserver();
    const real = new InMemoryEventStore();
    const double = Object.create(real, {
      appendToStream: { value: (...args: Parameters<EventStore['appendToStream']>) => real.appendToStream(...args) },
    }) as EventStore;
    const store = observeAppends(double, observer);
    expect(store).toBeInstanceOf(InMemoryEventStore);
    await store.appendToStream('lead-1', [toAppend('e1')]);
    expect(await store.readStream('lead-1')).toHaveLength(1);
    expect(calls).toEqual([['append', 'lead', { lead: 1 }, 'ok']]);
  });

  it("nests the append span under the command span, whose context becomes the events' traceparent", async () => {
    const store = observeAppends(new InMemoryEventStore(), undefined);
    let traceparent: string | undefined;
    await traceCommand('OpenLead', 'lead-1', undefined, async () => {
      traceparent = activeTraceparent();
      await store.appendToStream('lead-1', [toAppend('x')]);
      return { duplicate: false };
    });
    const [append, command] = exporter.getFinishedSpans();
    expect([append?.name, command?.name]).toEqual(['append', 'command OpenLead']);
    expect(append?.parentSpanContext?.spanId).toBe(command?.spanContext().spanId);
    expect(parseTraceparent(traceparent)).toEqual({
      traceId: command?.spanContext().traceId,
      spanId: command?.spanContext().spanId,
      traceFlags: 1,
    });
  });

  it('has no traceparent to give when no span is active', () => {
    expect(activeTraceparent()).toBeUndefined();
  });
});
