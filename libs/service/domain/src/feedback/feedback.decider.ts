import { assertNever, DomainError, requireText, type Decider } from '@crm/shared/event-sourcing';
import { normalizeParty } from '../shared/party';
import { assertGivenBy, instantOf } from '../shared/time';
import type { AcknowledgeFeedback, FeedbackCommand, FeedbackKind, SubmitFeedback } from './feedback.commands';
import type { FeedbackEvent } from './feedback.events';
import { FEEDBACK_REFUSALS } from './feedback.refusals';
import { NOT_FOUND } from '@crm/shared/kernel';

interface FeedbackFile {
  readonly feedbackId: string;
  readonly kind: FeedbackKind;
  readonly submittedAt: string;
}

export type FeedbackState =
  | { readonly status: 'none' }
  | { readonly status: 'submitted'; readonly feedback: FeedbackFile }
  | { readonly status: 'acknowledged'; readonly feedback: FeedbackFile; readonly acknowledgedAt: string };

export const initialFeedbackState = (): FeedbackState => ({ status: 'none' });

function submit({ data }: SubmitFeedback, state: FeedbackState): FeedbackEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(FEEDBACK_REFUSALS.ALREADY_SUBMITTED, `Feedback ${data.feedbackId} was already submitted`);
  }
  instantOf(data.submittedAt, 'submittedAt');
  assertGivenBy('submittedAt', data.submittedAt, data.recordedAt, FEEDBACK_REFUSALS.TIME_IN_FUTURE);
  return [
    {
      type: 'FeedbackSubmitted',
      data: {
        feedbackId: data.feedbackId,
        from: normalizeParty(data.from, 'from', FEEDBACK_REFUSALS.NAME_REQUIRED),
        kind: data.kind,
        text: requireText(data.text, 'text', FEEDBACK_REFUSALS.TEXT_REQUIRED),
        channel: data.channel,
        submittedAt: data.submittedAt,
        ...(data.relatedTo === undefined ? {} : { relatedTo: data.relatedTo }),
        status: 'submitted',
      },
    },
  ];
}

function acknowledge({ data }: AcknowledgeFeedback, state: FeedbackState): FeedbackEvent[] {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.feedback, 'No feedback has been submitted on this stream');
  if (state.status === 'acknowledged') {
    throw new DomainError(FEEDBACK_REFUSALS.ALREADY_ACKNOWLEDGED, 'The feedback was already acknowledged', {
      acknowledgedAt: state.acknowledgedAt,
    });
  }
  if (instantOf(data.at, 'at') < instantOf(state.feedback.submittedAt, 'submittedAt')) {
    throw new DomainError(FEEDBACK_REFUSALS.TIME_BEFORE_SUBMISSION, `at ${data.at} is before submission at ${state.feedback.submittedAt}`, {
      fields: ['at'],
    });
  }
  const reply = data.reply === undefined ? {} : { reply: requireText(data.reply, 'reply', FEEDBACK_REFUSALS.TEXT_REQUIRED) };
  return [
    {
      type: 'FeedbackAcknowledged',
      data: {
        feedbackId: state.feedback.feedbackId,
        kind: state.feedback.kind,
        from: 'submitted',
        to: 'acknowledged',
        acknowledgedAt: data.at,
        ...reply,
        ...(data.channel === undefined ? {} : { channel: data.channel }),
      },
    },
  ];
}

export function decideFeedback(command: FeedbackCommand, state: FeedbackState): FeedbackEvent[] {
  switch (command.type) {
    case 'SubmitFeedback':
      return submit(command, state);
    case 'AcknowledgeFeedback':
      return acknowledge(command, state);
    default:
      return assertNever(command, 'feedback command');
  }
}

export function evolveFeedback(state: FeedbackState, event: FeedbackEvent): FeedbackState {
  switch (event.type) {
    case 'FeedbackSubmitted': {
      const { feedbackId, kind, submittedAt } = event.data;
      return { status: 'submitted', feedback: { feedbackId, kind, submittedAt } };
    }
    case 'FeedbackAcknowledged':
      return state.status === 'none'
        ? state
        : { status: 'acknowledged', feedback: state.feedback, acknowledgedAt: event.data.acknowledgedAt };
    default:
      return assertNever(event, 'feedback event');
  }
}

export const feedbackDecider: Decider<FeedbackState, FeedbackCommand, FeedbackEvent> = {
  initialState: initialFeedbackState,
  decide: decideFeedback,
  evolve: evolveFeedback,
  isNew: (command) => command.type === 'SubmitFeedback',
  existence: { notFound: NOT_FOUND.feedback, alreadyExists: FEEDBACK_REFUSALS.ALREADY_SUBMITTED },
  refusals: FEEDBACK_REFUSALS,
};
