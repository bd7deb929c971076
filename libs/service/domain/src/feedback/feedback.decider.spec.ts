import { deciderSpec } from '@crm/shared/testing';
import type { SubmitFeedback } from './feedback.commands';
import { feedbackDecider } from './feedback.decider';
import type { FeedbackEvent, FeedbackSubmitted } from './feedback.events';

const spec = deciderSpec(feedbackDecider);
const FEEDBACK_ID = '5c1d7a90-3e2b-4f61-8a0c-9b7e2d4f6a13';
const SUBMITTED_AT = '2025-03-05T09:15:00+03:30';
const TEXT = 'پیشنهاد می‌کنم امکان پیگیری سفارش با پیامک هم فراهم شود';

const submit: SubmitFeedback = {
  type: 'SubmitFeedback',
  data: {
    feedbackId: FEEDBACK_ID,
    from: { name: 'مریم احمدی', phone: '+98 912 765 4321' },
    kind: 'idea',
    text: TEXT,
    channel: 'web',
    submittedAt: SUBMITTED_AT,
    recordedAt: SUBMITTED_AT,
    relatedTo: { type: 'account', id: 'acc-77' },
  },
};

const submitted: FeedbackSubmitted = {
  type: 'FeedbackSubmitted',
  data: {
    feedbackId: FEEDBACK_ID,
    from: { name: 'مریم احمدی', phone: '+989127654321' },
    kind: 'idea',
    text: TEXT,
    channel: 'web',
    submittedAt: SUBMITTED_AT,
    relatedTo: { type: 'account', id: 'acc-77' },
    status: 'submitted',
  },
};

const acknowledged: FeedbackEvent = {
  type: 'FeedbackAcknowledged',
  data: { feedbackId: FEEDBACK_ID, kind: 'idea', from: 'submitted', to: 'acknowledged', acknowledgedAt: '2025-03-05T12:00:00+03:30' },
};

describe('SubmitFeedback', () => {
  it('records the feedback with the text as typed and the phone in E.164', () => {
    spec.given([]).when(submit).then([submitted]);
  });

  it('accepts praise from a known contact without relatedTo', () => {
    const praise = 'از برخورد محترمانه کارشناس فروش سپاسگزارم';
    spec
      .given([])
      .when({
        type: 'SubmitFeedback',
        data: {
          feedbackId: FEEDBACK_ID,
          from: { contactId: 'c-9' },
          kind: 'praise',
          text: praise,
          channel: 'in_person',
          submittedAt: SUBMITTED_AT,
          recordedAt: SUBMITTED_AT,
        },
      })
      .then([
        {
          type: 'FeedbackSubmitted',
          data: {
            feedbackId: FEEDBACK_ID,
            from: { contactId: 'c-9' },
            kind: 'praise',
            text: praise,
            channel: 'in_person',
            submittedAt: SUBMITTED_AT,
            status: 'submitted',
          },
        },
      ]);
  });

  it('creates the stream', () => {
    expect(feedbackDecider.isNew?.(submit)).toBe(true);
    expect(feedbackDecider.isNew?.({ type: 'AcknowledgeFeedback', data: { at: SUBMITTED_AT } })).toBe(false);
  });

  it.each(['', '   ', '\u200c\u200c', '\u064b\u064b'])('refuses text that reads as nothing (%p)', (text) => {
    spec
      .given([])
      .when({ ...submit, data: { ...submit.data, text } })
      .thenThrows('FEEDBACK.TEXT_REQUIRED', { fields: ['text'] });
  });

  it('refuses an unregistered author without a name', () => {
    spec
      .given([])
      .when({ ...submit, data: { ...submit.data, from: { name: ' ', email: 'm@example.ir' } } })
      .thenThrows('FEEDBACK.NAME_REQUIRED', { fields: ['from.name'] });
  });

  it('refuses a second submission on the same stream', () => {
    spec.given([submitted]).when(submit).thenThrows('FEEDBACK.ALREADY_SUBMITTED');
  });

  it('refuses a submission time without offset', () => {
    expect(() =>
      feedbackDecider.decide({ ...submit, data: { ...submit.data, submittedAt: '2025-03-05 09:15' } }, feedbackDecider.initialState()),
    ).toThrow(expect.objectContaining({ code: 'TIME.INVALID' }));
  });

  it('dates the feedback when it was given (noted later), never after it is recorded beyond the clock skew', () => {
    spec
      .given([])
      .when({ ...submit, data: { ...submit.data, recordedAt: '2025-03-12T09:00:00+03:30' } })
      .then([submitted]);
    spec
      .given([])
      .when({ ...submit, data: { ...submit.data, recordedAt: '2025-03-05T09:09:00+03:30' } })
      .thenThrows('FEEDBACK.TIME_IN_FUTURE', { fields: ['submittedAt'] });
  });
});

describe('AcknowledgeFeedback', () => {
  it('moves submitted → acknowledged', () => {
    spec
      .given([submitted])
      .when({ type: 'AcknowledgeFeedback', data: { at: '2025-03-05T12:00:00+03:30' } })
      .then([acknowledged]);
  });

  it('keeps the reply sent to the customer', () => {
    const reply = 'از پیشنهاد شما سپاسگزاریم';
    spec
      .given([submitted])
      .when({ type: 'AcknowledgeFeedback', data: { at: '2025-03-05T12:00:00+03:30', reply, channel: 'sms' } })
      .then([{ type: 'FeedbackAcknowledged', data: { ...acknowledged.data, reply, channel: 'sms' } }]);
  });

  it('refuses an empty reply', () => {
    spec
      .given([submitted])
      .when({ type: 'AcknowledgeFeedback', data: { at: '2025-03-05T12:00:00+03:30', reply: '\u200c' } })
      .thenThrows('FEEDBACK.TEXT_REQUIRED', { fields: ['reply'] });
  });

  it('refuses a second acknowledgement', () => {
    spec
      .given([submitted, acknowledged])
      .when({ type: 'AcknowledgeFeedback', data: { at: '2025-03-06T12:00:00+03:30' } })
      .thenThrows('FEEDBACK.ALREADY_ACKNOWLEDGED');
  });

  it('refuses without feedback', () => {
    spec
      .given([])
      .when({ type: 'AcknowledgeFeedback', data: { at: SUBMITTED_AT } })
      .thenThrows('FEEDBACK.NOT_FOUND');
  });

  it('refuses an acknowledgement dated before the submission', () => {
    spec
      .given([submitted])
      .when({ type: 'AcknowledgeFeedback', data: { at: '2025-03-05T05:44:59Z' } })
      .thenThrows('FEEDBACK.TIME_BEFORE_SUBMISSION', { fields: ['at'] });
  });

  it('folds into the acknowledged state', () => {
    spec.given([submitted, acknowledged]).thenState({
      status: 'acknowledged',
      feedback: { feedbackId: FEEDBACK_ID, kind: 'idea', submittedAt: SUBMITTED_AT },
      acknowledgedAt: '2025-03-05T12:00:00+03:30',
    });
  });
});
