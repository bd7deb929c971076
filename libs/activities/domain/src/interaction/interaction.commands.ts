import type { Command } from '@crm/shared/event-sourcing';
import type { CustomerRef, Regarding } from '../activity/activity.commands';

export const INTERACTION_CHANNELS = ['phone', 'sms', 'email', 'web', 'social', 'in_person', 'letter'] as const;
export type InteractionChannel = (typeof INTERACTION_CHANNELS)[number];

export type InteractionDirection = 'inbound' | 'outbound';

export type LogInteraction = Command<
  'LogInteraction',
  {
    interactionId: string;
    channel: InteractionChannel;
    direction: InteractionDirection;
    regarding: Regarding;
    summary: string;
    occurredAt: string;
    durationSeconds?: number;
    /** The activity this interaction carried out, if any. */
    activityId?: string;
    /** Whose quote or complaint it is about (`CustomerRef`): read by the handler from that record. */
    customer?: CustomerRef;
    /** Marketing's outbound contact on a channel without the person's consent for it: read by the handler. */
    withoutConsent?: true;
    loggedAt: string;
  }
>;

export type InteractionCommand = LogInteraction;
