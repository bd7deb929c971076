import { foldEvents } from '@crm/shared/event-sourcing';
import { deciderSpec } from '@crm/shared/testing';
import { DEFAULT_SLA_POLICY } from '../sla/sla-policy';
import { complaintDecider } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';
import {
  ACKNOWLEDGED,
  after,
  ASSESSED,
  assessedHigh,
  CLOSED,
  COMPLAINT_ID,
  CRITICAL,
  DAY,
  HIGH,
  HIGH_FROM_RECEIPT,
  HOUR,
  PROVISIONAL,
  received,
  RECEIVED,
  RECEIVED_AT,
  trailOf,
  unassessed,
} from './complaint.fixtures';

const spec = deciderSpec(complaintDecider);

describe('AssessComplaint', () => {
  it('may come before acknowledgement, since severity sets how soon to acknowledge', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'AssessComplaint', data: { severity: 'high', urgency: 'urgent', rationale: 'خطر ایمنی ندارد', at: after(10) } })
      .then([
        {
          type: 'ComplaintAssessed',
          data: {
            ...trailOf('received', 'received', { deadlines: HIGH_FROM_RECEIPT }),
            severity: 'high',
            urgency: 'urgent',
            rationale: 'خطر ایمنی ندارد',
            assessedAt: after(10),
            previousDeadlines: PROVISIONAL,
          },
        },
      ]);
  });

  it('records the computed deadlines after acknowledgement', () => {
    spec
      .given(ACKNOWLEDGED)
      .when({ type: 'AssessComplaint', data: { severity: 'high', at: after(HOUR) } })
      .then([assessedHigh]);
  });

  it('re-assesses from receipt, naming the previous severity and deadlines; the met acknowledgement keeps its deadline', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'AssessComplaint', data: { severity: 'critical', at: after(50) } })
      .then([
        {
          type: 'ComplaintAssessed',
          data: {
            ...trailOf('acknowledged', 'acknowledged', { deadlines: { acknowledgeBy: HIGH.acknowledgeBy, resolveBy: CRITICAL.resolveBy } }),
            severity: 'critical',
            assessedAt: after(50),
            previousSeverity: 'high',
            previousDeadlines: HIGH,
          },
        },
      ]);
  });

  it('records nothing when the assessment changes nothing', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'AssessComplaint', data: { severity: 'high', at: after(2 * HOUR) } })
      .thenNothing();
  });

  it('records a changed urgency at the same severity', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'AssessComplaint', data: { severity: 'high', urgency: 'immediate', at: after(2 * HOUR) } })
      .then([
        {
          type: 'ComplaintAssessed',
          data: {
            ...trailOf('acknowledged', 'acknowledged'),
            severity: 'high',
            urgency: 'immediate',
            assessedAt: after(2 * HOUR),
            previousSeverity: 'high',
            previousDeadlines: HIGH,
          },
        },
      ]);
  });

  it('uses a policy passed on the command', () => {
    const policy = { ...DEFAULT_SLA_POLICY, high: { acknowledgeWithinMinutes: 2 * HOUR, resolveWithinMinutes: 2 * DAY } };
    const [event] = complaintDecider.decide(
      { type: 'AssessComplaint', data: { severity: 'high', at: after(HOUR), slaPolicy: policy } },
      state(RECEIVED),
    );
    expect(event?.data.deadlines).toEqual({ acknowledgeBy: after(2 * HOUR), resolveBy: after(2 * DAY) });
  });

  it('refuses a policy with fractional or non-positive minutes', () => {
    const policy = { ...DEFAULT_SLA_POLICY, critical: { acknowledgeWithinMinutes: 0, resolveWithinMinutes: 90.5 } };
    spec
      .given(ACKNOWLEDGED)
      .when({ type: 'AssessComplaint', data: { severity: 'high', at: after(HOUR), slaPolicy: policy } })
      .thenThrows('SLA.INVALID_POLICY', {
        fields: ['slaPolicy.critical.acknowledgeWithinMinutes', 'slaPolicy.critical.resolveWithinMinutes'],
      });
  });

  it('refuses on a closed complaint', () => {
    spec
      .given(CLOSED)
      .when({ type: 'AssessComplaint', data: { severity: 'low', at: after(3 * DAY) } })
      .thenThrows('COMPLAINT.CLOSED');
  });
});

describe('AssignComplaint', () => {
  it('assigns to a team, before acknowledgement too, so the complaint can be routed', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'AssignComplaint', data: { assignee: { teamId: 'after-sales' }, at: after(5) } })
      .then([
        {
          type: 'ComplaintAssigned',
          data: { ...unassessed('received', 'received'), assignee: { teamId: 'after-sales' }, assignedAt: after(5) },
        },
      ]);
  });

  it('reassigns, naming the previous assignee', () => {
    const assigned: ComplaintEvent = {
      type: 'ComplaintAssigned',
      data: { ...unassessed('received', 'received'), assignee: { teamId: 'after-sales' }, assignedAt: after(5) },
    };
    spec
      .given([received, assigned])
      .when({ type: 'AssignComplaint', data: { assignee: { userId: 'u-42' }, at: after(20) } })
      .then([
        {
          type: 'ComplaintAssigned',
          data: {
            ...unassessed('received', 'received'),
            assignee: { userId: 'u-42' },
            previousAssignee: { teamId: 'after-sales' },
            assignedAt: after(20),
          },
        },
      ]);
    spec
      .given([received, assigned])
      .when({ type: 'AssignComplaint', data: { assignee: { teamId: 'after-sales' }, at: after(20) } })
      .thenNothing();
  });

  it('refuses on a closed complaint', () => {
    spec
      .given(CLOSED)
      .when({ type: 'AssignComplaint', data: { assignee: { userId: 'u-42' }, at: after(3 * DAY) } })
      .thenThrows('COMPLAINT.CLOSED');
  });
});

describe('evolve', () => {
  it('folds the history into the state the rules read', () => {
    spec.given(ASSESSED).thenState({
      status: 'acknowledged',
      complaint: {
        complaintId: COMPLAINT_ID,
        receivedAt: RECEIVED_AT,
        escalationLevel: 'local',
        provisionalSeverity: 'medium',
        severity: 'high',
        deadlines: HIGH,
        clocks: { acknowledge: RECEIVED_AT, resolve: RECEIVED_AT },
        acknowledgedAt: after(30),
        reopenCount: 0,
        breaches: {},
      },
    });
  });
});

function state(history: readonly ComplaintEvent[]) {
  return foldEvents(complaintDecider, complaintDecider.initialState(), history);
}
