import { deciderSpec } from '@crm/shared/testing';
import type { ComplaintCommand } from './complaint.commands';
import { complaintDecider } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';
import {
  ACKNOWLEDGED,
  after,
  ASSESSED,
  CLOSED,
  COMMUNICATED,
  CRITICAL,
  DAY,
  HIGH,
  HOUR,
  PROVISIONAL,
  RECEIVED,
  trailOf,
  unassessed,
  fold,
} from './complaint.fixtures';

const spec = deciderSpec(complaintDecider);

const breach = (milestone: 'acknowledge' | 'resolve', deadline: string, detectedAt: string): ComplaintCommand => ({
  type: 'RecordSlaBreach',
  data: { milestone, deadline, detectedAt },
});

const ackBreached: ComplaintEvent = {
  type: 'ComplaintSlaBreached',
  data: { ...unassessed('received', 'received'), milestone: 'acknowledge', deadline: PROVISIONAL.acknowledgeBy, detectedAt: after(DAY, 1) },
};

/** Deadlines of a complaint assessed `low` (from its receipt). */
const LOW = { acknowledgeBy: after(2 * DAY), resolveBy: after(14 * DAY) };

/** A complaint received but not acknowledged, assessed `low` at `at`: the assessment, and the breach of the provisional acknowledgement deadline withdrawn. */
function assessedLowWithdrawing(at: string): ComplaintEvent[] {
  const trail = unassessed('received', 'received');
  const assessed = { ...trail, deadlines: LOW, severity: 'low' as const };
  return [
    { type: 'ComplaintAssessed', data: { ...assessed, assessedAt: at, previousDeadlines: PROVISIONAL } },
    {
      type: 'ComplaintSlaBreachWithdrawn',
      data: { ...assessed, milestone: 'acknowledge', deadline: PROVISIONAL.acknowledgeBy, extendedTo: LOW.acknowledgeBy, withdrawnAt: at },
    },
  ];
}

describe('RecordSlaBreach at the boundary (a breach exists only strictly after the deadline)', () => {
  it.each([
    ['one second before', after(DAY, -1)],
    ['exactly at', after(DAY)],
  ])('refuses the acknowledgement deadline %s it (COMPLAINT.SLA_NOT_BREACHED)', (_when, detectedAt) => {
    spec
      .given(RECEIVED)
      .when(breach('acknowledge', PROVISIONAL.acknowledgeBy, detectedAt))
      .thenThrows('COMPLAINT.SLA_NOT_BREACHED', { milestone: 'acknowledge' });
  });

  it('records the acknowledgement breach one second after the deadline', () => {
    spec
      .given(RECEIVED)
      .when(breach('acknowledge', PROVISIONAL.acknowledgeBy, after(DAY, 1)))
      .then([ackBreached]);
  });

  it.each([
    ['one second before', after(3 * DAY, -1)],
    ['exactly at', after(3 * DAY)],
  ])('refuses the resolution deadline %s it', (_when, detectedAt) => {
    spec
      .given(ASSESSED)
      .when(breach('resolve', HIGH.resolveBy, detectedAt))
      .thenThrows('COMPLAINT.SLA_NOT_BREACHED', { milestone: 'resolve' });
  });

  it('records the resolution breach one second after the deadline, with severity and level', () => {
    spec
      .given(ASSESSED)
      .when(breach('resolve', HIGH.resolveBy, after(3 * DAY, 1)))
      .then([
        {
          type: 'ComplaintSlaBreached',
          data: {
            ...trailOf('acknowledged', 'acknowledged'),
            milestone: 'resolve',
            deadline: HIGH.resolveBy,
            detectedAt: after(3 * DAY, 1),
          },
        },
      ]);
  });

  it('matches the deadline as an instant, whatever offset the scheduler wrote it in', () => {
    spec
      .given(RECEIVED)
      .when(breach('acknowledge', '2025-03-02T10:00:00+03:30', after(DAY, 1)))
      .then([ackBreached]);
  });
});

describe('RecordSlaBreach no-ops for a scheduler working from a stale view', () => {
  it('records a milestone and deadline only once', () => {
    spec
      .given([...RECEIVED, ackBreached])
      .when(breach('acknowledge', PROVISIONAL.acknowledgeBy, after(DAY + HOUR)))
      .thenNothing();
  });

  it('ignores a milestone that was met in time', () => {
    spec
      .given(ACKNOWLEDGED)
      .when(breach('acknowledge', PROVISIONAL.acknowledgeBy, after(DAY, 1)))
      .thenNothing();
  });

  it('ignores a deadline that a re-assessment has since replaced', () => {
    spec
      .given(ASSESSED)
      .when(breach('resolve', PROVISIONAL.resolveBy, after(7 * DAY, 1)))
      .thenNothing();
  });

  it('ignores a closed complaint: closing settled its breaches', () => {
    spec
      .given(CLOSED)
      .when(breach('resolve', HIGH.resolveBy, after(3 * DAY, 1)))
      .thenNothing();
  });

  it('still rejects a malformed deadline', () => {
    expect(() => complaintDecider.decide(breach('resolve', 'tomorrow', after(DAY)), fold(RECEIVED))).toThrow(
      'deadline must be an ISO 8601 time',
    );
  });
});

describe('steps that meet a milestone or move a deadline record the breach they reveal', () => {
  it('an acknowledgement exactly at the deadline is in time', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'AcknowledgeComplaint', data: { at: after(DAY) } })
      .then([{ type: 'ComplaintAcknowledged', data: { ...unassessed('received', 'acknowledged'), acknowledgedAt: after(DAY) } }]);
  });

  it('an acknowledgement one second late records the breach with it', () => {
    const at = after(DAY, 1);
    spec
      .given(RECEIVED)
      .when({ type: 'AcknowledgeComplaint', data: { at } })
      .then([
        { type: 'ComplaintAcknowledged', data: { ...unassessed('received', 'acknowledged'), acknowledgedAt: at } },
        {
          type: 'ComplaintSlaBreached',
          data: {
            ...unassessed('acknowledged', 'acknowledged'),
            milestone: 'acknowledge',
            deadline: PROVISIONAL.acknowledgeBy,
            detectedAt: at,
            metAt: at,
          },
        },
      ]);
  });

  it('a late acknowledgement after the scheduler recorded the breach adds no second one', () => {
    spec
      .given([...RECEIVED, ackBreached])
      .when({ type: 'AcknowledgeComplaint', data: { at: after(DAY + HOUR) } })
      .then([{ type: 'ComplaintAcknowledged', data: { ...unassessed('received', 'acknowledged'), acknowledgedAt: after(DAY + HOUR) } }]);
  });

  it('a shortening assessment after the acknowledgement re-dates nothing: an acknowledgement in time stays in time', () => {
    const ack: ComplaintEvent = {
      type: 'ComplaintAcknowledged',
      data: { ...unassessed('received', 'acknowledged'), acknowledgedAt: after(90) },
    };
    const deadlines = { acknowledgeBy: PROVISIONAL.acknowledgeBy, resolveBy: CRITICAL.resolveBy };
    const trail = trailOf('acknowledged', 'acknowledged', { deadlines, severity: 'critical' });
    spec
      .given([...RECEIVED, ack])
      .when({ type: 'AssessComplaint', data: { severity: 'critical', at: after(2 * HOUR) } })
      .then([
        {
          type: 'ComplaintAssessed',
          data: { ...trail, severity: 'critical', assessedAt: after(2 * HOUR), previousDeadlines: PROVISIONAL },
        },
      ]);
  });

  it('a lengthening assessment after a late acknowledgement withdraws nothing: it was judged when it was made', () => {
    const at = after(DAY + HOUR);
    const late: ComplaintEvent[] = [
      { type: 'ComplaintAcknowledged', data: { ...unassessed('received', 'acknowledged'), acknowledgedAt: at } },
      {
        type: 'ComplaintSlaBreached',
        data: {
          ...unassessed('acknowledged', 'acknowledged'),
          milestone: 'acknowledge',
          deadline: PROVISIONAL.acknowledgeBy,
          detectedAt: at,
          metAt: at,
        },
      },
    ];
    const events = complaintDecider.decide(
      { type: 'AssessComplaint', data: { severity: 'low', at: after(DAY + 2 * HOUR) } },
      fold([...RECEIVED, ...late]),
    );
    expect(events.map((event) => event.type)).toEqual(['ComplaintAssessed']);
    expect(events[0]?.data.deadlines.acknowledgeBy).toBe(PROVISIONAL.acknowledgeBy);
  });

  it('an assessment that extends an unmet deadline withdraws the breach recorded against the old one', () => {
    const at = after(DAY + HOUR);
    spec
      .given([...RECEIVED, ackBreached])
      .when({ type: 'AssessComplaint', data: { severity: 'low', at } })
      .then(assessedLowWithdrawing(at));
    // Acknowledged before the extended deadline: in time, and nothing more is recorded.
    const later = fold([
      ...RECEIVED,
      ackBreached,
      ...complaintDecider.decide({ type: 'AssessComplaint', data: { severity: 'low', at } }, fold([...RECEIVED, ackBreached])),
    ]);
    expect(complaintDecider.decide({ type: 'AcknowledgeComplaint', data: { at: after(30 * HOUR) } }, later).map((e) => e.type)).toEqual([
      'ComplaintAcknowledged',
    ]);
  });

  it('an extension to a deadline that has passed as well withdraws the old breach and records one against the new deadline', () => {
    const at = after(3 * DAY);
    const events = complaintDecider.decide({ type: 'AssessComplaint', data: { severity: 'low', at } }, fold([...RECEIVED, ackBreached]));
    expect(events.map((event) => [event.type, 'deadline' in event.data ? event.data.deadline : undefined])).toEqual([
      ['ComplaintAssessed', undefined],
      ['ComplaintSlaBreachWithdrawn', PROVISIONAL.acknowledgeBy],
      ['ComplaintSlaBreached', LOW.acknowledgeBy],
    ]);
  });

  it('an assessment that extends a deadline already passed, its breach not yet recorded, records the breach first, then withdraws it', () => {
    // The deadline watcher had not run yet (it polls): the trail must still say the acknowledgement was late once.
    const at = after(DAY + HOUR);
    const trail = unassessed('received', 'received');
    spec
      .given(RECEIVED)
      .when({ type: 'AssessComplaint', data: { severity: 'low', at } })
      .then([
        { type: 'ComplaintSlaBreached', data: { ...trail, milestone: 'acknowledge', deadline: PROVISIONAL.acknowledgeBy, detectedAt: at } },
        ...assessedLowWithdrawing(at),
      ]);
    // The same history as with the watcher in time: breach, assessment, withdrawal.
    const watched = fold([...RECEIVED, ackBreached]);
    expect(complaintDecider.decide({ type: 'AssessComplaint', data: { severity: 'low', at } }, watched).map((e) => e.type)).toEqual([
      'ComplaintAssessed',
      'ComplaintSlaBreachWithdrawn',
    ]);
  });

  it.each([
    ['an assignment', { type: 'AssignComplaint', data: { assignee: { userId: 'user-7' }, at: after(DAY + HOUR) } }],
    ['an escalation', { type: 'EscalateComplaint', data: { toLevel: 'head_office', reason: 'پاسخ نگرفت', at: after(DAY + HOUR) } }],
  ] as [string, ComplaintCommand][])('%s past an unmet deadline records its breach in the same decision', (_step, command) => {
    const events = complaintDecider.decide(command, fold(RECEIVED));
    expect(events.map((event) => [event.type, 'milestone' in event.data ? event.data.milestone : undefined])).toEqual([
      [command.type === 'AssignComplaint' ? 'ComplaintAssigned' : 'ComplaintEscalated', undefined],
      ['ComplaintSlaBreached', 'acknowledge'],
    ]);
    // Before the deadline: the step alone.
    const early = { ...command, data: { ...command.data, at: after(HOUR) } } as ComplaintCommand;
    expect(complaintDecider.decide(early, fold(RECEIVED))).toHaveLength(1);
  });

  it.each([
    ['a note', { type: 'AddInvestigationNote', data: { note: 'انبار بررسی شد', at: after(3 * DAY, 1) } }],
    ['a response', { type: 'RespondToComplaint', data: { response: 'کالا تعویض می‌شود', at: after(3 * DAY, 1) } }],
  ] as [string, ComplaintCommand][])('%s past the unmet resolution deadline records its breach in the same decision', (_step, command) => {
    const events = complaintDecider.decide(command, fold(ASSESSED));
    expect(events.map((event) => ('milestone' in event.data ? `breach:${event.data.milestone}` : event.type))).toEqual([
      command.type === 'AddInvestigationNote' ? 'ComplaintInvestigationNoteAdded' : 'ComplaintResponded',
      'breach:resolve',
    ]);
  });

  it('an assessment that shortens an unmet deadline after a breach keeps that breach and records no second one', () => {
    const events = complaintDecider.decide(
      { type: 'AssessComplaint', data: { severity: 'critical', at: after(DAY + HOUR) } },
      fold([...RECEIVED, ackBreached]),
    );
    // The resolution, now due within a day, has passed too: that breach is new.
    expect(events.map((event) => [event.type, 'milestone' in event.data ? event.data.milestone : undefined])).toEqual([
      ['ComplaintAssessed', undefined],
      ['ComplaintSlaBreached', 'resolve'],
    ]);
  });

  it('closing one second after the resolution deadline records the breach', () => {
    const at = after(3 * DAY, 1);
    spec
      .given(COMMUNICATED)
      .when({ type: 'CloseComplaint', data: { outcome: 'resolved', at } })
      .then([
        { type: 'ComplaintClosed', data: { ...trailOf('decision_communicated', 'closed'), outcome: 'resolved', closedAt: at } },
        {
          type: 'ComplaintSlaBreached',
          data: { ...trailOf('closed', 'closed'), milestone: 'resolve', deadline: HIGH.resolveBy, detectedAt: at, metAt: at },
        },
      ]);
  });

  it('closing exactly at the resolution deadline is in time', () => {
    const events = complaintDecider.decide(
      { type: 'CloseComplaint', data: { outcome: 'resolved', at: after(3 * DAY) } },
      fold(COMMUNICATED),
    );
    expect(events.map((event) => event.type)).toEqual(['ComplaintClosed']);
  });

  it('withdrawing after an unmet acknowledgement deadline records that breach', () => {
    const at = after(DAY + HOUR);
    spec
      .given(RECEIVED)
      .when({ type: 'CloseComplaint', data: { outcome: 'withdrawn', at } })
      .then([
        { type: 'ComplaintClosed', data: { ...unassessed('received', 'closed'), outcome: 'withdrawn', closedAt: at } },
        {
          type: 'ComplaintSlaBreached',
          data: { ...unassessed('closed', 'closed'), milestone: 'acknowledge', deadline: PROVISIONAL.acknowledgeBy, detectedAt: at },
        },
      ]);
  });
});
