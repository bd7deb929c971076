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
    submittedAt: string;
    relatedTo?: RelatedTo;
  }
>;

/** Thanking the customer (ISO 10004 asks that people who give feedback hear back). */
export type AcknowledgeFeedback = Command<'AcknowledgeFeedback', { at: string; reply?: string; channel?: ServiceChannel }>;

export type FeedbackCommand = SubmitFeedback | AcknowledgeFeedback;
