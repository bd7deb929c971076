import type { Event } from '@crm/shared/event-sourcing';
import type { Party, RelatedTo, ServiceChannel } from '../shared/party';
import type { FeedbackKind } from './feedback.commands';

export type FeedbackSubmitted = Event<
  'FeedbackSubmitted',
  {
    feedbackId: string;
    from: Party;
    kind: FeedbackKind;
    text: string;
    channel: ServiceChannel;
    submittedAt: string;
    relatedTo?: RelatedTo;
    status: 'submitted';
  }
>;

export type FeedbackAcknowledged = Event<
  'FeedbackAcknowledged',
  {
    feedbackId: string;
    kind: FeedbackKind;
    from: 'submitted';
    to: 'acknowledged';
    acknowledgedAt: string;
    reply?: string;
    channel?: ServiceChannel;
  }
>;

export type FeedbackEvent = FeedbackSubmitted | FeedbackAcknowledged;
