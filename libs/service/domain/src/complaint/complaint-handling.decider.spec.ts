import { deciderSpec } from '@crm/shared/testing';
import { complaintDecider } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';
import {
  ACKNOWLEDGED,
  after,
  ASSESSED,
  COMMUNICATED,
  DAY,
  HOUR,
  INVESTIGATING,
  RECEIVED,
  RESPONDED,
  trailOf,
  unassessed,
  fold,
} from './complaint.fixtures';

const spec = deciderSpec(complaintDecider);
const NOTE = 'مشتری فاکتور و عکس کالای معیوب را ارسال کرد';

describe('AddInvestigationNote', () => {
  it('starts the investigation: acknowledged → investigating', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'AddInvestigationNote', data: { note: NOTE, at: after(2 * HOUR) } })
      .then([
        {
          type: 'ComplaintInvestigationNoteAdded',
          data: { ...trailOf('acknowledged', 'investigating'), note: NOTE, notedAt: after(2 * HOUR) },
        },
      ]);
  });

  it('adds further notes without changing status, also after a response', () => {
    spec
      .given(RESPONDED)
      .when({ type: 'AddInvestigationNote', data: { note: NOTE, at: after(DAY + 5) } })
      .then([
        { type: 'ComplaintInvestigationNoteAdded', data: { ...trailOf('responded', 'responded'), note: NOTE, notedAt: after(DAY + 5) } },
      ]);
  });

  it('refuses before acknowledgement', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'AddInvestigationNote', data: { note: NOTE, at: after(5) } })
      .thenThrows('COMPLAINT.NOT_ACKNOWLEDGED');
  });

  it('refuses an empty note', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'AddInvestigationNote', data: { note: '\u200c', at: after(90) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['note'] });
  });
});

describe('RespondToComplaint', () => {
  it('moves investigating → responded with the remedy and actions', () => {
    const data = { response: 'کالا تعویض می‌شود', remedy: 'تعویض کالا', actions: ['ارسال کالای جدید', 'بازبینی کنترل کیفیت انبار'] };
    spec
      .given(INVESTIGATING)
      .when({ type: 'RespondToComplaint', data: { ...data, at: after(DAY) } })
      .then([{ type: 'ComplaintResponded', data: { ...trailOf('investigating', 'responded'), ...data, respondedAt: after(DAY) } }]);
  });

  it('may respond straight after acknowledgement and assessment', () => {
    spec
      .given(ASSESSED)
      .when({ type: 'RespondToComplaint', data: { response: 'پوزش می‌خواهیم', at: after(3 * HOUR) } })
      .then([
        {
          type: 'ComplaintResponded',
          data: { ...trailOf('acknowledged', 'responded'), response: 'پوزش می‌خواهیم', respondedAt: after(3 * HOUR) },
        },
      ]);
  });

  it('takes a revised response after the decision was communicated, which then needs communicating again', () => {
    spec
      .given(COMMUNICATED)
      .when({ type: 'RespondToComplaint', data: { response: 'مبلغ نیز بازگردانده می‌شود', at: after(DAY + 2 * HOUR) } })
      .then([
        {
          type: 'ComplaintResponded',
          data: {
            ...trailOf('decision_communicated', 'responded'),
            response: 'مبلغ نیز بازگردانده می‌شود',
            respondedAt: after(DAY + 2 * HOUR),
          },
        },
      ]);
  });

  it('refuses before acknowledgement', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'RespondToComplaint', data: { response: 'پاسخ', at: after(5) } })
      .thenThrows('COMPLAINT.NOT_ACKNOWLEDGED');
  });

  it('refuses before the initial assessment', () => {
    spec
      .given(ACKNOWLEDGED)
      .when({ type: 'RespondToComplaint', data: { response: 'پاسخ', at: after(45) } })
      .thenThrows('COMPLAINT.NOT_ASSESSED');
  });

  it('refuses an empty response', () => {
    spec
      .given(INVESTIGATING)
      .when({ type: 'RespondToComplaint', data: { response: ' ', at: after(DAY) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['response'] });
  });

  it('refuses a blank corrective action (ZWNJ and direction marks alone read as nothing)', () => {
    spec
      .given(INVESTIGATING)
      .when({ type: 'RespondToComplaint', data: { response: 'پاسخ', actions: ['ارسال کالا', '\u200c\u200f '], at: after(DAY) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['actions.1'] });
  });
});

describe('CommunicateDecision', () => {
  const decide = { decision: 'تعویض رایگان کالا', channel: 'sms' } as const;

  it('moves responded → decision_communicated', () => {
    spec
      .given(RESPONDED)
      .when({ type: 'CommunicateDecision', data: { ...decide, at: after(DAY + HOUR) } })
      .then([
        {
          type: 'ComplaintDecisionCommunicated',
          data: { ...trailOf('responded', 'decision_communicated'), ...decide, communicatedAt: after(DAY + HOUR) },
        },
      ]);
  });

  it('records a further communication, e.g. a letter after the SMS', () => {
    const letter = { decision: 'تعویض رایگان کالا', channel: 'letter' } as const;
    spec
      .given(COMMUNICATED)
      .when({ type: 'CommunicateDecision', data: { ...letter, at: after(DAY + 3 * HOUR) } })
      .then([
        {
          type: 'ComplaintDecisionCommunicated',
          data: { ...trailOf('decision_communicated', 'decision_communicated'), ...letter, communicatedAt: after(DAY + 3 * HOUR) },
        },
      ]);
  });

  it.each([
    ['received', RECEIVED],
    ['acknowledged', ASSESSED],
    ['investigating', INVESTIGATING],
  ])('refuses without a response (%s)', (_status, history) => {
    spec
      .given(history)
      .when({ type: 'CommunicateDecision', data: { ...decide, at: after(DAY) } })
      .thenThrows('COMPLAINT.NO_RESPONSE');
  });

  it('refuses an empty decision', () => {
    spec
      .given(RESPONDED)
      .when({ type: 'CommunicateDecision', data: { decision: '', channel: 'sms', at: after(DAY + HOUR) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['decision'] });
  });
});

describe('EscalateComplaint', () => {
  const toHeadOffice: ComplaintEvent = {
    type: 'ComplaintEscalated',
    data: {
      ...unassessed('received', 'received'),
      escalationLevel: 'head_office',
      fromLevel: 'local',
      reason: 'مشتری درخواست رسیدگی دفتر مرکزی را دارد',
      escalatedAt: after(HOUR),
    },
  };

  it('escalates local → head_office without changing status', () => {
    spec
      .given(RECEIVED)
      .when({
        type: 'EscalateComplaint',
        data: { toLevel: 'head_office', reason: 'مشتری درخواست رسیدگی دفتر مرکزی را دارد', at: after(HOUR) },
      })
      .then([toHeadOffice]);
  });

  it('may skip levels upward: head_office → legal', () => {
    spec
      .given([...RECEIVED, toHeadOffice])
      .when({ type: 'EscalateComplaint', data: { toLevel: 'legal', reason: 'طرح دعوی در دادگاه', at: after(DAY) } })
      .then([
        {
          type: 'ComplaintEscalated',
          data: {
            ...unassessed('received', 'received'),
            escalationLevel: 'legal',
            fromLevel: 'head_office',
            reason: 'طرح دعوی در دادگاه',
            escalatedAt: after(DAY),
          },
        },
      ]);
  });

  it('sends an appealed decision back to investigation at the new level: a new response and decision before closing', () => {
    const [appeal] = complaintDecider.decide(
      { type: 'EscalateComplaint', data: { toLevel: 'external_body', reason: 'مشتری به تصمیم اعتراض دارد', at: after(2 * DAY) } },
      fold(COMMUNICATED),
    );
    expect(appeal).toMatchObject({ data: { from: 'decision_communicated', to: 'investigating', escalationLevel: 'external_body' } });
    const appealed = [...COMMUNICATED, appeal as ComplaintEvent];
    spec
      .given(appealed)
      .when({ type: 'CloseComplaint', data: { outcome: 'resolved', at: after(3 * DAY) } })
      .thenThrows('COMPLAINT.DECISION_NOT_COMMUNICATED');
    spec
      .given(appealed)
      .when({ type: 'CommunicateDecision', data: { decision: 'همان تصمیم', channel: 'phone', at: after(3 * DAY) } })
      .thenThrows('COMPLAINT.NO_RESPONSE');
    // Withdrawn at any time, as ever.
    const [withdrawn] = complaintDecider.decide(
      { type: 'CloseComplaint', data: { outcome: 'withdrawn', at: after(3 * DAY) } },
      fold(appealed),
    );
    expect(withdrawn).toMatchObject({ type: 'ComplaintClosed', data: { outcome: 'withdrawn' } });
  });

  it('refuses the same level', () => {
    spec
      .given([...RECEIVED, toHeadOffice])
      .when({ type: 'EscalateComplaint', data: { toLevel: 'head_office', reason: 'دوباره', at: after(DAY) } })
      .thenThrows('COMPLAINT.ESCALATION_NOT_UPWARD', { fromLevel: 'head_office', toLevel: 'head_office' });
  });

  it('refuses going back down', () => {
    const toExternal: ComplaintEvent = {
      type: 'ComplaintEscalated',
      data: {
        ...unassessed('received', 'received'),
        escalationLevel: 'external_body',
        fromLevel: 'head_office',
        reason: 'ارجاع به مرجع حل اختلاف',
        escalatedAt: after(2 * HOUR),
      },
    };
    spec
      .given([...RECEIVED, toHeadOffice, toExternal])
      .when({ type: 'EscalateComplaint', data: { toLevel: 'head_office', reason: 'بازگشت', at: after(DAY) } })
      .thenThrows('COMPLAINT.ESCALATION_NOT_UPWARD', { fromLevel: 'external_body', toLevel: 'head_office' });
  });

  it('refuses an empty reason', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'EscalateComplaint', data: { toLevel: 'legal', reason: '\u200f', at: after(HOUR) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['reason'] });
  });
});
