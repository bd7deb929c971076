import { ACTIVITY_CONSENT_CHANNEL, ACTIVITY_REFUSALS, type ActivityType, type CustomerRef, type Regarding } from '@crm/activities/domain';
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

/** What an activity or interaction is about when it addresses a person (a complaint: its complainant). */
const ADDRESSES_A_PERSON: ReadonlySet<Regarding['type']> = new Set(['contact', 'lead', 'complaint']);

/** The person an activity or interaction addresses lacks marketing's consent for the channel: why, in words. */
export interface MissingConsent {
  readonly channel: ContactChannel;
  readonly message: string;
}

/**
 * Whether marketing lacks the person's consent to address them on `channel` (undefined when it has it, when the caller
 * does not act as marketing, or when nobody is addressed on a channel that needs one), as a campaign's audience counts
 * consent (docs/contract.md "Consent"): a contact whose latest word on the channel is a grant, with an address for
 * it, not erased; about a complaint, its complainant, when a contact on file. A lead records no consent, nor does a
 * complainant known only by name: marketing addresses neither on such a channel.
 */
export async function missingMarketingConsent(
  store: EventStore,
  about: { readonly channel: ContactChannel | null; readonly regarding: Regarding; readonly customer?: CustomerRef },
  actor: Actor,
  tenantId: string,
): Promise<MissingConsent | undefined> {
  const { channel, regarding, customer } = about;
  if (channel === null || !schedulesAsMarketing(actor)) return undefined;
  // The person addressed: the contact, or a lead, or the complainant of a complaint (a contact on file, or someone
  // known by a name and a phone, who like a lead records no consent).
  const person =
    regarding.type === 'complaint' ? (customer !== undefined && 'contactId' in customer ? customer.contactId : null) : regarding.id;
  if (!ADDRESSES_A_PERSON.has(regarding.type)) return undefined;
  if (regarding.type !== 'lead' && person !== null) {
    const contact = await loadState(store, contactDecider, streamIdOf('contact', person), tenantId);
    const erased = contact.status === 'active' && contact.contact.fullName === ERASED;
    if (!erased && canTarget(contact, channel)) return undefined;
  }
  return {
    channel,
    message:
      person === null || regarding.type === 'lead'
        ? `A ${regarding.type === 'lead' ? 'lead' : 'complainant not on file as a contact'} records no consent: marketing may not address ${regarding.type} ${regarding.id} by ${channel}`
        : `Contact ${person} has not consented to ${channel} (or has no address for it): marketing may not address them by it`,
  };
}

/**
 * Marketing may schedule a call, email, SMS or letter to a person only with their consent for that channel
 * (`missingMarketingConsent`). Anything else (an appointment, a task, an activity about an account, a deal, a quote, a
 * campaign…) needs none. Refused, it is 409 `ACTIVITY.NO_CONSENT` and nothing is recorded. Checked when the activity
 * is scheduled: a consent withdrawn later does not undo the schedule (the campaign's audience, and the person's word,
 * are read again when it is sent).
 */
export async function requireMarketingConsent(
  store: EventStore,
  activity: { readonly streamId: string; readonly type: ActivityType; readonly regarding: Regarding; readonly customer?: CustomerRef },
  actor: Actor,
  tenantId: string,
): Promise<void> {
  const { type, regarding, customer } = activity;
  const channel = CONSENT_CHANNEL[type];
  if (channel === null || !schedulesAsMarketing(actor) || !ADDRESSES_A_PERSON.has(regarding.type)) return;
  // Scheduled already (a retry whose reply was lost, or another request under its id): the executor answers that with
  // the first reply or ALREADY_EXISTS, whatever the person's word is now.
  if ((await store.streamRevision(activity.streamId, { tenantId })) !== undefined) return;
  const missing = await missingMarketingConsent(store, { channel, regarding, customer }, actor, tenantId);
  if (missing !== undefined) throw new DomainError(ACTIVITY_REFUSALS.NO_CONSENT, missing.message, { regarding, channel });
}
