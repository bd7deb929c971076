import { deciderSpec } from '@crm/shared/testing';
import { complaintDecider } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';
import {
  after,
  CLOSED,
  closedResolved,
  COMMUNICATED,
  DAY,
  HIGH,
  HOUR,
  INVESTIGATING,
  PROVISIONAL,
  RECEIVED,
  RESPONDED,
  trailOf,
  unassessed,
  fold,
} from './complaint.fixtures';

const spec = deciderSpec(complaintDecider);
const REASON = 'کالای جایگزین هم معیوب بود';

const reopened: ComplaintEvent = {
  type: 'ComplaintReopened',
  data: {
    ...trailOf('closed', 'investigating', { deadlines: { acknowledgeBy: HIGH.acknowledgeBy, resolveBy: after(5 * DAY + 3 * DAY) } }),
    reason: REASON,
    reopenedAt: after(5 * DAY),
    reopenCount: 1,
    previousDeadlines: HIGH,
    // Acknowledged: its clock stays at receipt; the resolution starts again at the reopening.
    clocks: { acknowledge: after(0), resolve: after(5 * DAY) },
  },
};
const REOPENED = [...CLOSED, reopened];

const satisfaction: ComplaintEvent = {
  type: 'ComplaintHandlingSatisfactionRecorded',
  data: { ...trailOf('closed', 'closed'), score: 4, comment: 'پیگیری خوبی بود', outcome: 'resolved', recordedAt: after(3 * DAY) },
};

describe('CloseComplaint', () => {
  it('closes as resolved once the decision was communicated', () => {
    spec
      .given(COMMUNICATED)
      .when({ type: 'CloseComplaint', data: { outcome: 'resolved', at: after(2 * DAY) } })
      .then([closedResolved]);
  });

  it('closes as unresolved once the decision was communicated, with a note', () => {
    spec
      .given(COMMUNICATED)
      .when({ type: 'CloseComplaint', data: { outcome: 'unresolved', note: 'مشتری تصمیم را نپذیرفت', at: after(2 * DAY) } })
      .then([
        {
          type: 'ComplaintClosed',
          data: {
            ...trailOf('decision_communicated', 'closed'),
            outcome: 'unresolved',
            note: 'مشتری تصمیم را نپذیرفت',
            closedAt: after(2 * DAY),
          },
        },
      ]);
  });

  it('closes a withdrawn complaint at any step, even unacknowledged', () => {
    spec
      .given(RECEIVED)
      .when({ type: 'CloseComplaint', data: { outcome: 'withdrawn', at: after(HOUR) } })
      .then([{ type: 'ComplaintClosed', data: { ...unassessed('received', 'closed'), outcome: 'withdrawn', closedAt: after(HOUR) } }]);
  });

  it.each([
    ['resolved', 'responded', RESPONDED],
    ['unresolved', 'investigating', INVESTIGATING],
  ] as const)('refuses %s while %s (COMPLAINT.DECISION_NOT_COMMUNICATED)', (outcome, status, history) => {
    spec
      .given(history)
      .when({ type: 'CloseComplaint', data: { outcome, at: after(DAY + HOUR) } })
      .thenThrows('COMPLAINT.DECISION_NOT_COMMUNICATED', { status, outcome });
  });

  it('refuses closing twice', () => {
    spec
      .given(CLOSED)
      .when({ type: 'CloseComplaint', data: { outcome: 'withdrawn', at: after(3 * DAY) } })
      .thenThrows('COMPLAINT.CLOSED');
  });
});

describe('ReopenComplaint', () => {
  it('returns to investigating, counts the reopening and restarts the resolve clock', () => {
    spec
      .given(CLOSED)
      .when({ type: 'ReopenComplaint', data: { reason: REASON, at: after(5 * DAY) } })
      .then([reopened]);
  });

  it('counts every reopening', () => {
    const closedAgain: ComplaintEvent = {
      type: 'ComplaintClosed',
      data: {
        ...trailOf('investigating', 'closed', { deadlines: reopened.data.deadlines }),
        outcome: 'withdrawn',
        closedAt: after(6 * DAY),
      },
    };
    const [event] = complaintDecider.decide(
      { type: 'ReopenComplaint', data: { reason: REASON, at: after(7 * DAY) } },
      fold([...REOPENED, closedAgain]),
    );
    expect(event).toMatchObject({ type: 'ComplaintReopened', data: { reopenCount: 2, from: 'closed', to: 'investigating' } });
  });

  it('sends a complaint withdrawn before acknowledgement back to received, its clocks resuming with the time they had left', () => {
    const withdrawn: ComplaintEvent = {
      type: 'ComplaintClosed',
      data: { ...unassessed('received', 'closed'), outcome: 'withdrawn', closedAt: after(HOUR) },
    };
    spec
      .given([...RECEIVED, withdrawn])
      .when({ type: 'ReopenComplaint', data: { reason: 'مشتری از انصراف منصرف شد', at: after(2 * HOUR) } })
      .then([
        {
          type: 'ComplaintReopened',
          data: {
            ...unassessed('closed', 'received'),
            // Withdrawn 1 h in: 23 h were left to acknowledge and 7 days − 1 h to resolve; reopened 2 h in.
            deadlines: { acknowledgeBy: after(HOUR + DAY), resolveBy: after(HOUR + 7 * DAY) },
            reason: 'مشتری از انصراف منصرف شد',
            reopenedAt: after(2 * HOUR),
            reopenCount: 1,
            previousDeadlines: PROVISIONAL,
            // Both clocks ran an hour before the withdrawal: they start an hour before the reopening.
            clocks: { acknowledge: after(HOUR), resolve: after(HOUR) },
          },
        },
      ]);
  });

  it('gives a complaint withdrawn when overdue no time back: its milestones are due at the reopening', () => {
    const withdrawn: ComplaintEvent = {
      type: 'ComplaintClosed',
      data: { ...unassessed('received', 'closed'), outcome: 'withdrawn', closedAt: after(DAY + HOUR) },
    };
    const [event] = complaintDecider.decide(
      { type: 'ReopenComplaint', data: { reason: 'مشتری از انصراف منصرف شد', at: after(3 * DAY) } },
      fold([...RECEIVED, withdrawn]),
    );
    expect(event).toMatchObject({ data: { deadlines: { acknowledgeBy: after(3 * DAY), resolveBy: after(3 * DAY + 6 * DAY - HOUR) } } });
  });

  it('dates a re-assessment after a withdrawn complaint is reopened from its resumed clocks, not from the reopening', () => {
    const withdrawn: ComplaintEvent = {
      type: 'ComplaintClosed',
      data: { ...unassessed('received', 'closed'), outcome: 'withdrawn', closedAt: after(HOUR) },
    };
    const [reopenedEvent] = complaintDecider.decide(
      { type: 'ReopenComplaint', data: { reason: 'مشتری از انصراف منصرف شد', at: after(2 * HOUR) } },
      fold([...RECEIVED, withdrawn]),
    );
    const [assessed] = complaintDecider.decide(
      { type: 'AssessComplaint', data: { severity: 'medium', at: after(2 * HOUR + 5) } },
      fold([...RECEIVED, withdrawn, reopenedEvent as ComplaintEvent]),
    );
    // The same severity gives the same deadlines the reopening resumed (before: a day and a week from the reopening).
    expect(assessed).toMatchObject({ data: { deadlines: { acknowledgeBy: after(HOUR + DAY), resolveBy: after(HOUR + 7 * DAY) } } });
  });

  it('starts a milestone whose breach is on record afresh: a resumed clock with no time left would record the miss twice', () => {
    const breached: ComplaintEvent = {
      type: 'ComplaintSlaBreached',
      data: { ...unassessed('received', 'received'), milestone: 'acknowledge', deadline: after(DAY), detectedAt: after(DAY, 30) },
    };
    const withdrawn: ComplaintEvent = {
      type: 'ComplaintClosed',
      data: { ...unassessed('received', 'closed'), outcome: 'withdrawn', closedAt: after(DAY + HOUR) },
    };
    const [event] = complaintDecider.decide(
      { type: 'ReopenComplaint', data: { reason: 'مشتری از انصراف منصرف شد', at: after(3 * DAY) } },
      fold([...RECEIVED, breached, withdrawn]),
    );
    // Acknowledge: a day from the reopening (the provisional policy); resolve: resumed, 6 days − 1 h left.
    expect(event).toMatchObject({ data: { deadlines: { acknowledgeBy: after(4 * DAY), resolveBy: after(3 * DAY + 6 * DAY - HOUR) } } });
  });

  it('needs a new response before a new decision, and a new decision before closing again', () => {
    spec
      .given(REOPENED)
      .when({ type: 'CloseComplaint', data: { outcome: 'resolved', at: after(6 * DAY) } })
      .thenThrows('COMPLAINT.DECISION_NOT_COMMUNICATED');
    spec
      .given(REOPENED)
      .when({ type: 'CommunicateDecision', data: { decision: 'بازپرداخت', channel: 'phone', at: after(6 * DAY) } })
      .thenThrows('COMPLAINT.NO_RESPONSE');
  });

  it('refuses an open complaint (COMPLAINT.NOT_CLOSED)', () => {
    spec
      .given(COMMUNICATED)
      .when({ type: 'ReopenComplaint', data: { reason: REASON, at: after(2 * DAY) } })
      .thenThrows('COMPLAINT.NOT_CLOSED', { status: 'decision_communicated' });
  });

  it('refuses an empty reason', () => {
    spec
      .given(CLOSED)
      .when({ type: 'ReopenComplaint', data: { reason: '', at: after(5 * DAY) } })
      .thenThrows('COMPLAINT.TEXT_REQUIRED', { fields: ['reason'] });
  });
});

describe('RecordHandlingSatisfaction', () => {
  it('records the complainant’s satisfaction with the handling after closing', () => {
    spec
      .given(CLOSED)
      .when({ type: 'RecordHandlingSatisfaction', data: { score: 4, comment: 'پیگیری خوبی بود', at: after(3 * DAY) } })
      .then([satisfaction]);
  });

  it.each([1, 5])('accepts the scale end %i', (score) => {
    const [event] = complaintDecider.decide({ type: 'RecordHandlingSatisfaction', data: { score, at: after(3 * DAY) } }, fold(CLOSED));
    expect(event).toMatchObject({ type: 'ComplaintHandlingSatisfactionRecorded', data: { score } });
  });

  it.each([0, 6, 3.5, Number.NaN])('refuses %p (COMPLAINT.SCORE_OUT_OF_RANGE)', (score) => {
    spec
      .given(CLOSED)
      .when({ type: 'RecordHandlingSatisfaction', data: { score, at: after(3 * DAY) } })
      .thenThrows('COMPLAINT.SCORE_OUT_OF_RANGE', { fields: ['score'], min: 1, max: 5 });
  });

  it('dates a score given by phone and noted later when it was given: after the closing, never after the recording', () => {
    const closedAt = after(2 * DAY); // CLOSED's closing
    const givenAt = new Date(Date.parse(closedAt) + 60 * 60_000).toISOString();
    const [event] = complaintDecider.decide(
      { type: 'RecordHandlingSatisfaction', data: { score: 5, respondedAt: givenAt, at: after(10 * DAY) } },
      fold(CLOSED),
    );
    expect(event).toMatchObject({ data: { score: 5, respondedAt: givenAt, recordedAt: after(10 * DAY) } });
    spec
      .given(CLOSED)
      .when({
        type: 'RecordHandlingSatisfaction',
        data: { score: 5, respondedAt: new Date(Date.parse(closedAt) - 1000).toISOString(), at: after(10 * DAY) },
      })
      .thenThrows('COMPLAINT.RATED_BEFORE_CLOSING', { fields: ['respondedAt'], closedAt });
    spec
      .given(CLOSED)
      .when({ type: 'RecordHandlingSatisfaction', data: { score: 5, respondedAt: after(11 * DAY), at: after(10 * DAY) } })
      .thenThrows('COMPLAINT.TIME_IN_FUTURE', { fields: ['respondedAt'] });
    // Without it, nothing new is recorded: the score is dated when it is recorded, as before.
    const [plain] = complaintDecider.decide({ type: 'RecordHandlingSatisfaction', data: { score: 5, at: after(10 * DAY) } }, fold(CLOSED));
    expect(plain?.data).not.toHaveProperty('respondedAt');
  });

  it('refuses before closing (COMPLAINT.NOT_CLOSED)', () => {
    spec
      .given(COMMUNICATED)
      .when({ type: 'RecordHandlingSatisfaction', data: { score: 4, at: after(2 * DAY) } })
      .thenThrows('COMPLAINT.NOT_CLOSED');
  });

  it('refuses a second score for the same closing', () => {
    spec
      .given([...CLOSED, satisfaction])
      .when({ type: 'RecordHandlingSatisfaction', data: { score: 2, at: after(4 * DAY) } })
      .thenThrows('COMPLAINT.SATISFACTION_ALREADY_RECORDED');
  });

  it('asks again after a reopened complaint is closed again', () => {
    const closedAgain: ComplaintEvent = {
      type: 'ComplaintClosed',
      data: {
        ...trailOf('investigating', 'closed', { deadlines: reopened.data.deadlines }),
        outcome: 'withdrawn',
        closedAt: after(6 * DAY),
      },
    };
    const [event] = complaintDecider.decide(
      { type: 'RecordHandlingSatisfaction', data: { score: 2, at: after(6 * DAY) } },
      fold([...CLOSED, satisfaction, reopened, closedAgain]),
    );
    expect(event).toMatchObject({ data: { score: 2, outcome: 'withdrawn' } });
  });
});
