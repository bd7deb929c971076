import { foldEvents } from '@crm/shared/event-sourcing';
import { deciderSpec } from '@crm/shared/testing';
import { DEFAULT_SLA_POLICY } from '../sla/sla-policy';
import type { ComplaintCommand } from './complaint.commands';
import { complaintDecider, createComplaintDecider } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';
import {
  acknowledged,
  ACKNOWLEDGED,
  after,
  assessedHigh,
  CLOSED,
  closedResolved,
  communicated,
  CRITICAL,
  DAY,
  HOUR,
  noted,
  receive,
  received,
  RECEIVED,
  responded,
  unassessed,
} from './complaint.fixtures';

const spec = deciderSpec(complaintDecider);

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the decider to throw');
}

describe('complaint lifecycle', () => {
  it('records the ISO 10002 steps receipt → closing as the shared fixtures spell them', () => {
    const commands: ComplaintCommand[] = [
      receive,
      { type: 'AcknowledgeComplaint', data: { at: after(30) } },
      { type: 'AssessComplaint', data: { severity: 'high', at: after(HOUR) } },
      { type: 'AddInvestigationNote', data: { note: 'با واحد انبار تماس گرفته شد', at: after(2 * HOUR) } },
      { type: 'RespondToComplaint', data: { response: 'کالا تعویض می‌شود', at: after(DAY) } },
      { type: 'CommunicateDecision', data: { decision: 'تعویض رایگان کالا', channel: 'sms', at: after(DAY + HOUR) } },
      { type: 'CloseComplaint', data: { outcome: 'resolved', at: after(2 * DAY) } },
    ];
    const recorded: ComplaintEvent[] = [];
    let state = complaintDecider.initialState();
    for (const command of commands) {
      const events = complaintDecider.decide(command, state);
      recorded.push(...events);
      state = foldEvents(complaintDecider, state, events);
    }
    expect(recorded).toEqual([received, acknowledged, assessedHigh, noted, responded, communicated, closedResolved]);
  });

  it('creates the stream only with ReceiveComplaint', () => {
    expect(complaintDecider.isNew?.(receive)).toBe(true);
    expect(complaintDecider.isNew?.({ type: 'AcknowledgeComplaint', data: { at: after(1) } })).toBe(false);
  });
});

describe('ReceiveComplaint', () => {
  it('records the complaint at level local with provisional deadlines, phone in E.164 and the Persian text as typed', () => {
    spec.given([]).when(receive).then([received]);
  });

  it('keeps a known complainant by id', () => {
    const command = {
      ...receive,
      data: { ...receive.data, complainant: { contactId: 'c-7' }, desiredRemedy: undefined, relatedTo: undefined },
    };
    const { desiredRemedy: _r, relatedTo: _t, ...rest } = received.data;
    spec
      .given([])
      .when(command)
      .then([{ type: 'ComplaintReceived', data: { ...rest, complainant: { contactId: 'c-7' } } }]);
  });

  it('takes the deadlines from a policy passed on the command', () => {
    const policy = { ...DEFAULT_SLA_POLICY, medium: { acknowledgeWithinMinutes: 120, resolveWithinMinutes: 2 * DAY } };
    const events = complaintDecider.decide({ ...receive, data: { ...receive.data, slaPolicy: policy } }, complaintDecider.initialState());
    expect(events[0]?.data.deadlines).toEqual({ acknowledgeBy: after(120), resolveBy: after(2 * DAY) });
  });

  it('uses the provisional severity the decider is configured with', () => {
    const decider = createComplaintDecider({ provisionalSeverity: 'critical' });
    deciderSpec(decider)
      .given([])
      .when(receive)
      .then([{ type: 'ComplaintReceived', data: { ...received.data, provisionalSeverity: 'critical', deadlines: CRITICAL } }]);
  });

  it('refuses a second receipt on the same stream', () => {
    spec.given(RECEIVED).when(receive).thenThrows('COMPLAINT.ALREADY_RECEIVED');
  });

  it('refuses a description that is only spaces and zero-width non-joiners', () => {
    const command = { ...receive, data: { ...receive.data, description: ' \u200c \u200c ' } };
    spec
      .given([])
      .when(command)
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['description'] });
  });

  it('refuses a blank category', () => {
    spec
      .given([])
      .when({ ...receive, data: { ...receive.data, category: '  ' } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['category'] });
  });

  it('refuses an unregistered complainant without a name', () => {
    const command = { ...receive, data: { ...receive.data, complainant: { name: '\u200c', phone: '09121234567' } } };
    spec
      .given([])
      .when(command)
      .thenThrows('COMPLAINT.NAME_REQUIRED', { fields: ['complainant.name'] });
  });

  it('lets the kernel reject a malformed phone or email as invalid input', () => {
    const phone = { ...receive, data: { ...receive.data, complainant: { name: 'رضا کریمی', phone: '۱۲۳' } } };
    const email = { ...receive, data: { ...receive.data, complainant: { name: 'رضا کریمی', email: 'reza@' } } };
    const state = complaintDecider.initialState();
    expect(thrown(() => complaintDecider.decide(phone, state))).toMatchObject({ name: 'InvalidValueError', code: 'PHONE.INVALID' });
    expect(thrown(() => complaintDecider.decide(email, state))).toMatchObject({ name: 'InvalidValueError', code: 'EMAIL.INVALID' });
  });

  it('refuses a receipt time without an offset, which would depend on the machine time zone', () => {
    const command = { ...receive, data: { ...receive.data, receivedAt: '2025-03-01T10:00:00' } };
    expect(thrown(() => complaintDecider.decide(command, complaintDecider.initialState()))).toMatchObject({ code: 'TIME.INVALID' });
  });

  it('refuses an SLA policy whose resolution is due before its acknowledgement', () => {
    const policy = { ...DEFAULT_SLA_POLICY, low: { acknowledgeWithinMinutes: 600, resolveWithinMinutes: 60 } };
    spec
      .given([])
      .when({ ...receive, data: { ...receive.data, slaPolicy: policy } })
      .thenThrows('SLA.INVALID_POLICY', { fields: ['slaPolicy.low.resolveWithinMinutes'] });
  });
});

describe('AcknowledgeComplaint', () => {
  it('moves received → acknowledged', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'AcknowledgeComplaint', data: { at: after(30) } })
      .then([acknowledged]);
  });

  it('keeps the message sent to the complainant', () => {
    const message = 'شکایت شما با شماره ۱۱۸ ثبت شد';
    spec
      .given(RECEIVED)
      .when({ type: 'AcknowledgeComplaint', data: { at: after(30), message } })
      .then([{ type: 'ComplaintAcknowledged', data: { ...unassessed('received', 'acknowledged'), acknowledgedAt: after(30), message } }]);
  });

  it('refuses a second acknowledgement', () => {
    spec
      .given(ACKNOWLEDGED)
      .when({ type: 'AcknowledgeComplaint', data: { at: after(40) } })
      .thenThrows('COMPLAINT.ALREADY_ACKNOWLEDGED');
  });

  it('refuses on a stream with no complaint', () => {
    spec
      .given([])
      .when({ type: 'AcknowledgeComplaint', data: { at: after(1) } })
      .thenThrows('COMPLAINT.NOT_FOUND');
  });

  it('refuses on a closed complaint', () => {
    spec
      .given(CLOSED)
      .when({ type: 'AcknowledgeComplaint', data: { at: after(3 * DAY) } })
      .thenThrows('COMPLAINT.CLOSED');
  });
});
