import type { Command } from '@crm/shared/event-sourcing';
import type { Party, RelatedTo, ServiceChannel } from '../shared/party';

/** ISO 10004 kinds of feedback that are not complaints: those go through ReceiveComplaint. */
export type FeedbackKind = 'opinion' | 'idea' | 'praise';

export type SubmitFeedback = Command<
  'SubmitFeedback',
  {
    feedbackId: string;
    from: Party;
    kind: FeedbackKind;
    text: string;
    channel: ServiceChannel;
    /** When the person gave it: feedback on a paper form or in a call is entered later. */
    submittedAt: string;
    /** When it is recorded: submittedAt is never after it (beyond the clock skew). */
    recordedAt: string;
    relatedTo?: RelatedTo;
  }
>;

/** Thanking the customer (ISO 10004 asks that people who give feedback hear back). */
export type AcknowledgeFeedback = Command<'AcknowledgeFeedback', { at: string; reply?: string; channel?: ServiceChannel }>;

export type FeedbackCommand = SubmitFeedback | AcknowledgeFeedback;
