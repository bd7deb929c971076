import type { EventMetadata, RecordedEvent } from '@crm/shared/event-sourcing';
import { createComplaintDecider, type ComplaintCommand, type ComplaintEvent } from '@crm/service/domain';
import { evolveOpenDeadlines, milestonesOfDocument, type OpenDeadlines } from './open-deadlines.projection';

const ID = '0b6f3c52-2f0e-4d55-9d8e-6a1f3b7c9e21';
const STREAM = `complaint-${ID}`;
const T0 = '2025-03-01T06:30:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

const decider = createComplaintDecider();
const receive: ComplaintCommand = {
  type: 'ReceiveComplaint',
  data: { complaintId: ID, complainant: { name: 'رضا کریمی' }, channel: 'phone', category: 'کیفیت', description: 'معیوب', receivedAt: T0 },
};
const acknowledge = (ms: number): ComplaintCommand => ({ type: 'AcknowledgeComplaint', data: { at: at(ms) } });
const assess = (ms: number): ComplaintCommand => ({ type: 'AssessComplaint', data: { severity: 'high', at: at(ms) } });

/** The decider writes the history, so the projection is checked against the events it will really meet. */
function recorded(commands: readonly ComplaintCommand[], tenantId = 'default'): RecordedEvent[] {
  let state = decider.initialState();
  const events: ComplaintEvent[] = [];
  for (const command of commands) {
    for (const event of decider.decide(command, state)) {
      state = decider.evolve(state, event);
      events.push(event);
    }
  }
  return events.map((event, revision) => ({
    streamId: STREAM,
    type: event.type,
    data: event.data,
    revision,
    position: String(revision + 1),
    metadata: { tenantId } as EventMetadata,
  }));
}

const fold = (events: readonly RecordedEvent[]) => events.reduce<OpenDeadlines | undefined>(evolveOpenDeadlines, undefined);

describe('open deadlines (the watcher read model)', () => {
  it('starts at receipt with the provisional deadlines, the acknowledgement due first', () => {
    expect(fold(recorded([receive], 'tenant-b'))).toEqual({
      tenantId: 'tenant-b',
      streamId: STREAM,
      complaintId: ID,
      deadlines: { acknowledgeBy: at(DAY), resolveBy: at(7 * DAY) },
      breaches: [],
      revision: 0,
      nextDueAt: at(DAY),
    });
  });

  it('follows a re-assessment to its new deadlines and moves on once acknowledged', () => {
    const assessed = fold(recorded([receive, assess(HOUR)]));
    expect(assessed).toMatchObject({ deadlines: { acknowledgeBy: at(4 * HOUR), resolveBy: at(3 * DAY) }, nextDueAt: at(4 * HOUR) });
    const acknowledged = fold(recorded([receive, assess(HOUR), acknowledge(2 * HOUR)]));
    expect(acknowledged).toMatchObject({ acknowledgedAt: at(2 * HOUR), nextDueAt: at(3 * DAY), revision: 2 });
  });

  it('stops showing a milestone once its breach is recorded', () => {
    const breach: ComplaintCommand = {
      type: 'RecordSlaBreach',
      data: { milestone: 'acknowledge', deadline: at(DAY), detectedAt: at(DAY + 1000) },
    };
    const doc = fold(recorded([receive, breach]));
    expect(doc?.breaches).toEqual([{ milestone: 'acknowledge', deadline: at(DAY) }]);
    expect(doc?.nextDueAt).toBe(at(7 * DAY));
  });

  it('has nothing due while closed and watches the resumed resolution clock after a reopening', () => {
    const withdrawn: ComplaintCommand = { type: 'CloseComplaint', data: { outcome: 'withdrawn', at: at(HOUR) } };
    const closed = fold(recorded([receive, acknowledge(HOUR / 2), withdrawn]));
    expect(closed).toMatchObject({ closedAt: at(HOUR) });
    expect(closed?.nextDueAt).toBeUndefined();
    const reopen: ComplaintCommand = { type: 'ReopenComplaint', data: { reason: 'پیگیری نشد', at: at(2 * DAY) } };
    const reopened = fold(recorded([receive, acknowledge(HOUR / 2), withdrawn, reopen]));
    expect(reopened?.closedAt).toBeUndefined();
    // Withdrawn an hour in, with 7 days − 1 h left to resolve: the clock resumes there at the reopening.
    expect(reopened?.nextDueAt).toBe(at(2 * DAY + 7 * DAY - HOUR));
  });

  it('ignores a redelivered event, and events of a complaint whose receipt it never saw', () => {
    const [received, acknowledged] = recorded([receive, acknowledge(HOUR)]);
    const doc = fold([received!, acknowledged!]);
    expect(evolveOpenDeadlines(doc, acknowledged!)).toBe(doc);
    expect(evolveOpenDeadlines(doc, received!)).toBe(doc);
    expect(evolveOpenDeadlines(undefined, acknowledged!)).toBeUndefined();
  });

  it('follows the SLA rule: an extension withdraws the breach and the watcher waits for the new deadline', () => {
    const breach: ComplaintCommand = {
      type: 'RecordSlaBreach',
      data: { milestone: 'acknowledge', deadline: at(DAY), detectedAt: at(DAY + HOUR) },
    };
    const low: ComplaintCommand = { type: 'AssessComplaint', data: { severity: 'low', at: at(DAY + 2 * HOUR) } };
    const breached = fold(recorded([receive, breach]));
    expect(breached?.breaches).toEqual([{ milestone: 'acknowledge', deadline: at(DAY) }]);
    const extended = fold(recorded([receive, breach, low]));
    expect(extended).toMatchObject({ breaches: [], deadlines: { acknowledgeBy: at(2 * DAY) }, nextDueAt: at(2 * DAY) });
  });

  it('after a reopening, a breach of the earlier cycle does not count as recorded for the new resolution deadline', () => {
    const doc: OpenDeadlines = {
      tenantId: 'default',
      streamId: STREAM,
      complaintId: ID,
      deadlines: { acknowledgeBy: at(DAY), resolveBy: at(10 * DAY) },
      acknowledgedAt: at(HOUR),
      // As a document written before reopenings pruned breaches would still hold it.
      breaches: [{ milestone: 'resolve', deadline: at(3 * DAY) }],
      revision: 9,
    };
    expect(milestonesOfDocument(doc).map((m) => [m.milestone, m.breachRecorded])).toEqual([
      ['acknowledge', false],
      ['resolve', false],
    ]);
  });
});
