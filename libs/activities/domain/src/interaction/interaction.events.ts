import type { Event } from '@crm/shared/event-sourcing';
import type { CustomerRef, Regarding } from '../activity/activity.commands';
import type { InteractionChannel, InteractionDirection } from './interaction.commands';

/** The log is append-only: an interaction, once logged, is a fact. */
export type InteractionLogged = Event<
  'InteractionLogged',
  {
    interactionId: string;
    channel: InteractionChannel;
    direction: InteractionDirection;
    regarding: Regarding;
    summary: string;
    occurredAt: string;
    durationSeconds?: number;
    activityId?: string;
    /** Whose quote or complaint `regarding` is (absent otherwise, and on interactions logged before it was kept). */
    customer?: CustomerRef;
    /**
     * Logged by marketing, outbound, on a channel the person gave no consent for (`ACTIVITY.NO_CONSENT` refuses to
     * schedule such an activity; a log records what happened, so it is kept, and flagged). Absent otherwise.
     */
    withoutConsent?: true;
    loggedAt: string;
  }
>;

export type InteractionEvent = InteractionLogged;
