import { deciderSpec } from '@crm/shared/testing';
import { complaintDecider } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';
import { after, ASSESSED, CLOSED, DAY, HIGH, HOUR, RESPONDED, trailOf, fold } from './complaint.fixtures';

const spec = deciderSpec(complaintDecider);
const erased = { personalDataErased: true } as const;

/** What a step records without its text, once the complaint's personal data is erased. */
const respondedWithoutText: ComplaintEvent = {
  type: 'ComplaintResponded',
  data: { ...trailOf('acknowledged', 'responded'), respondedAt: after(DAY) },
};
const escalatedWithoutReason: ComplaintEvent = {
  type: 'ComplaintEscalated',
  data: { ...trailOf('responded', 'responded', { escalationLevel: 'head_office' }), fromLevel: 'local', escalatedAt: after(DAY + 1) },
};
const communicatedWithoutText: ComplaintEvent = {
  type: 'ComplaintDecisionCommunicated',
  data: {
    ...trailOf('responded', 'decision_communicated', { escalationLevel: 'head_office' }),
    channel: 'phone',
    communicatedAt: after(DAY + HOUR),
  },
};
const ERASED_AND_DECIDED = [...ASSESSED, respondedWithoutText, escalatedWithoutReason, communicatedWithoutText];

/**
 * The complainant's erasure destroys the complaint's data key, and every text these steps require is personal (sealed
 * under that key): so once the complaint is erased (the command says so: the application asked the key store), the
 * response, the decision and an escalation's or reopening's reason may be left out, and only then. The step is
 * recorded without the text and the ISO 10002 handling goes on to a resolved or unresolved close.
 */
describe('a complaint whose personal data is erased', () => {
  it('is responded to without text', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'RespondToComplaint', data: { at: after(DAY), ...erased } })
      .then([respondedWithoutText]);
  });

  it('is escalated without a reason, and its decision communicated without text', () => {
    spec
      .given([...ASSESSED, respondedWithoutText])
      .when({ type: 'EscalateComplaint', data: { toLevel: 'head_office', at: after(DAY + 1), ...erased } })
      .then([escalatedWithoutReason]);
    spec
      .given([...ASSESSED, respondedWithoutText, escalatedWithoutReason])
      .when({ type: 'CommunicateDecision', data: { channel: 'phone', at: after(DAY + HOUR), ...erased } })
      .then([communicatedWithoutText]);
  });

  it('is then closed resolved or unresolved: the steps without text count as a response and a decision', () => {
    for (const outcome of ['resolved', 'unresolved'] as const) {
      spec
        .given(ERASED_AND_DECIDED)
        .when({ type: 'CloseComplaint', data: { outcome, at: after(2 * DAY) } })
        .then([
          {
            type: 'ComplaintClosed',
            data: { ...trailOf('decision_communicated', 'closed', { escalationLevel: 'head_office' }), outcome, closedAt: after(2 * DAY) },
          },
        ]);
    }
  });

  it('is reopened without a reason', () => {
    spec
      .given(CLOSED)
      .when({ type: 'ReopenComplaint', data: { at: after(5 * DAY), ...erased } })
      .then([
        {
          type: 'ComplaintReopened',
          data: {
            ...trailOf('closed', 'investigating', { deadlines: { acknowledgeBy: HIGH.acknowledgeBy, resolveBy: after(8 * DAY) } }),
            reopenedAt: after(5 * DAY),
            reopenCount: 1,
            previousDeadlines: HIGH,
            clocks: { acknowledge: after(0), resolve: after(5 * DAY) },
          },
        },
      ]);
  });

  it('folds to the same state as the same steps with their texts: replay does not depend on them', () => {
    const withTexts: ComplaintEvent[] = [
      { ...respondedWithoutText, data: { ...respondedWithoutText.data, response: 'پاسخ' } } as ComplaintEvent,
      { ...escalatedWithoutReason, data: { ...escalatedWithoutReason.data, reason: 'دلیل' } } as ComplaintEvent,
      { ...communicatedWithoutText, data: { ...communicatedWithoutText.data, decision: 'تصمیم' } } as ComplaintEvent,
    ];
    expect(fold(ERASED_AND_DECIDED)).toEqual(fold([...ASSESSED, ...withTexts]));
    expect(fold(ERASED_AND_DECIDED).status).toBe('decision_communicated');
  });

  it('still checks a text given (the personal-data layer then refuses to seal it), and keeps every other rule', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'RespondToComplaint', data: { response: '\u200c ', at: after(DAY), ...erased } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['response'] });
    // A text given is recorded as it would be without the flag (and sealing it is what is refused).
    const given = complaintDecider.decide(
      { type: 'RespondToComplaint', data: { response: 'پاسخ', at: after(DAY), ...erased } },
      fold(ASSESSED),
    );
    expect(given).toEqual(
      complaintDecider.decide({ type: 'RespondToComplaint', data: { response: 'پاسخ', at: after(DAY) } }, fold(ASSESSED)),
    );
    spec
      .given(ASSESSED)
      .when({ type: 'CommunicateDecision', data: { channel: 'sms', at: after(DAY), ...erased } })
      .thenThrows('COMPLAINT.NO_RESPONSE');
    // Escalation stays upward only.
    spec
      .given([...ASSESSED, respondedWithoutText, escalatedWithoutReason])
      .when({ type: 'EscalateComplaint', data: { toLevel: 'head_office', at: after(DAY + 2), ...erased } })
      .thenThrows('COMPLAINT.ESCALATION_NOT_UPWARD');
    spec
      .given(CLOSED)
      .when({ type: 'RespondToComplaint', data: { at: after(3 * DAY), ...erased } })
      .thenThrows('COMPLAINT.CLOSED');
  });
});

describe('a complaint whose personal data is not erased', () => {
  it('needs its texts: left out, each is refused as a blank one is (400 naming the field)', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'RespondToComplaint', data: { remedy: 'تعویض کالا', at: after(DAY) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['response'] });
    spec
      .given(RESPONDED)
      .when({ type: 'CommunicateDecision', data: { channel: 'sms', at: after(DAY + HOUR) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['decision'] });
    spec
      .given(RESPONDED)
      .when({ type: 'EscalateComplaint', data: { toLevel: 'legal', at: after(DAY + HOUR), personalDataErased: false } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['reason'] });
    spec
      .given(CLOSED)
      .when({ type: 'ReopenComplaint', data: { at: after(5 * DAY) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['reason'] });
  });
});
