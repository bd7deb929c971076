import { complaintDecider, type ComplaintCommand, type ComplaintEvent, type ComplaintState } from '@crm/service/domain';
import { ANONYMOUS, DEFAULT_TENANT, type EventMetadata, type EventStore } from '@crm/shared/event-sourcing';

/** Test support: real complaint histories, decided by the domain's own decider, with the envelope a store would add. */

/** What projectionSpec's `given` takes; spelled out here because only specs may import the testing lib. */
export type HistoryEvent = ComplaintEvent & { readonly streamId: string; readonly metadata: Partial<EventMetadata> };

export const T0 = '2025-03-01T06:30:00.000Z';
export const HOUR = 60;
export const DAY = 24 * HOUR;

export const after = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

export interface Step {
  readonly minutes: number;
  readonly command: (at: string) => ComplaintCommand;
  readonly actor?: string;
}

export const step = (minutes: number, command: (at: string) => ComplaintCommand, actor?: string): Step => ({
  minutes,
  command,
  ...(actor === undefined ? {} : { actor }),
});

export const commands = (complaintId: string, category = 'کیفیت کالا') => ({
  receive: (at: string): ComplaintCommand => ({
    type: 'ReceiveComplaint',
    data: {
      complaintId,
      complainant: { name: 'رضا کریمی', phone: '+989123456789' },
      channel: 'phone',
      category,
      description: 'کالای تحویلی معیوب بود',
      receivedAt: at,
    },
  }),
  acknowledge: (at: string): ComplaintCommand => ({ type: 'AcknowledgeComplaint', data: { at } }),
  assess: (severity: 'low' | 'medium' | 'high' | 'critical') => (at: string) =>
    ({ type: 'AssessComplaint', data: { severity, at } }) as const,
  note: (at: string): ComplaintCommand => ({ type: 'AddInvestigationNote', data: { note: 'انبار بررسی شد', at } }),
  respond: (at: string): ComplaintCommand => ({ type: 'RespondToComplaint', data: { response: 'کالا تعویض می‌شود', at } }),
  decide: (at: string): ComplaintCommand => ({ type: 'CommunicateDecision', data: { decision: 'تعویض کالا', channel: 'sms', at } }),
  escalate: (toLevel: 'head_office' | 'external_body' | 'legal') => (at: string) =>
    ({ type: 'EscalateComplaint', data: { toLevel, reason: 'نیاز به تأیید دفتر مرکزی', at } }) as const,
  close: (outcome: 'resolved' | 'unresolved' | 'withdrawn') => (at: string) => ({ type: 'CloseComplaint', data: { outcome, at } }) as const,
  reopen: (at: string): ComplaintCommand => ({ type: 'ReopenComplaint', data: { reason: 'مشکل ادامه دارد', at } }),
  satisfaction: (score: number) => (at: string) => ({ type: 'RecordHandlingSatisfaction', data: { score, at } }) as const,
  breach: (milestone: 'acknowledge' | 'resolve', deadline: string) => (at: string) =>
    ({ type: 'RecordSlaBreach', data: { milestone, deadline, detectedAt: at } }) as const,
});

/** Events of one complaint; hashes are stand-ins (`h0`, `h1`…) chained as a store would chain them. */
export function history(complaintId: string, steps: readonly Step[]): HistoryEvent[] {
  let state: ComplaintState = complaintDecider.initialState();
  let revision = 0;
  const events: HistoryEvent[] = [];
  for (const { minutes, command, actor } of steps) {
    const at = after(minutes);
    for (const event of complaintDecider.decide(command(at), state)) {
      state = complaintDecider.evolve(state, event);
      events.push({
        ...event,
        streamId: `complaint-${complaintId}`,
        metadata: {
          eventId: `${complaintId}-${revision}`,
          actor: { id: actor ?? 'agent-1', roles: ['service'] },
          occurredAt: at,
          prevHash: revision === 0 ? '' : `h${revision - 1}`,
          hash: `h${revision}`,
        },
      });
      revision += 1;
    }
  }
  return events;
}

/** Appends a history to a real (in-memory) store, which computes the genuine hash chain, and reads it back. */
export async function recorded(store: EventStore, complaintId: string, events: readonly HistoryEvent[]) {
  const streamId = `complaint-${complaintId}`;
  for (const event of events) {
    const { eventId = '', actor = ANONYMOUS, occurredAt = T0 } = event.metadata ?? {};
    const ids = { eventId, commandId: eventId, correlationId: eventId, causationId: eventId };
    const metadata = { ...ids, actor, occurredAt, tenantId: event.metadata?.tenantId ?? DEFAULT_TENANT, schemaVersion: 1 };
    await store.appendToStream(streamId, [{ type: event.type, data: event.data, metadata }], { tenantId: metadata.tenantId });
  }
  return store.readStream(streamId);
}
