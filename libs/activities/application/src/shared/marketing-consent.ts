import { ACTIVITY_CONSENT_CHANNEL, ACTIVITY_REFUSALS, type ActivityType, type Regarding } from '@crm/activities/domain';
import { canTarget, contactDecider, type ContactChannel } from '@crm/sales/domain';
import { DomainError, loadState, streamIdOf, type Actor, type EventStore } from '@crm/shared/event-sourcing';
import { ERASED } from '@crm/shared/personal-data';

/** The activity types' channels, checked against the sales context's names (the compiler refuses one it lacks). */
const CONSENT_CHANNEL: Readonly<Record<ActivityType, ContactChannel | null>> = ACTIVITY_CONSENT_CHANNEL;

/** Roles whose own work addresses customers without a marketing consent: a deal's follow-up, a complaint's answer. */
const CUSTOMER_WORK_ROLES: readonly string[] = ['sales', 'service', 'admin'];

/**
 * Whether the caller schedules as marketing: marketing among its roles, and none whose work is the customer's own
 * business (sales, service, admin). A salesperson's email about a deal needs no marketing consent; a message marketing
 * schedules does (API.md: marketing may only target contacts with consent for that channel).
 */
export const schedulesAsMarketing = (actor: Actor): boolean =>
  actor.roles.includes('marketing') && !actor.roles.some((role) => CUSTOMER_WORK_ROLES.includes(role));

/**
 * Marketing may schedule a call, email, SMS or letter to a person only with their consent for that channel, as a
 * campaign's audience counts them (docs/contract.md "Consent"): a contact whose latest word on the channel is a grant,
 * with an address for it, not erased. A lead records no consent, so marketing addresses a lead on no such channel.
 * Anything else (an appointment, a task, an activity about an account, a deal, a campaign…) needs none. Refused, it
 * is 409 `ACTIVITY.NO_CONSENT` and nothing is recorded. Checked when the activity is scheduled: a consent withdrawn
 * later does not undo the schedule (the campaign's audience, and the person's word, are read again when it is sent).
 */
export async function requireMarketingConsent(
  store: EventStore,
  activityType: ActivityType,
  regarding: Regarding,
  actor: Actor,
  tenantId: string,
): Promise<void> {
  const channel = CONSENT_CHANNEL[activityType];
  if (channel === null || !schedulesAsMarketing(actor)) return;
  if (regarding.type !== 'contact' && regarding.type !== 'lead') return;
  if (regarding.type === 'contact') {
    const contact = await loadState(store, contactDecider, streamIdOf('contact', regarding.id), tenantId);
    const erased = contact.status === 'active' && contact.contact.fullName === ERASED;
    if (!erased && canTarget(contact, channel)) return;
  }
  throw new DomainError(
    ACTIVITY_REFUSALS.NO_CONSENT,
    regarding.type === 'lead'
      ? `A lead records no consent: marketing may not address lead ${regarding.id} by ${channel}`
      : `Contact ${regarding.id} has not consented to ${channel} (or has no address for it): marketing may not address them by it`,
    { regarding, channel },
  );
}
