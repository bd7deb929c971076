import type { ActivityCompleted, ActivityType, CustomerRef, InteractionLogged, Regarding } from '@crm/activities/domain';
import type {
  ComplaintClosed,
  ComplaintReceived,
  ComplaintReopened,
  FeedbackSubmitted,
  Party,
  SurveyResponseRecorded,
} from '@crm/service/domain';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { defineProjection, type RecordedOf } from '@crm/shared/read-model';
import {
  documentKey,
  LOYALTY_PROJECTION_NAMES,
  tenantOf,
  utc,
  type CustomerInteractionDoc,
  type InteractionKind,
  type OpenSpan,
  tenantChangeMarker,
  stampChanges,
} from './documents';

type ServiceEvent = ComplaintReceived | ComplaintClosed | ComplaintReopened | FeedbackSubmitted | SurveyResponseRecorded;
type InteractionEvent = ServiceEvent | InteractionLogged | ActivityCompleted;

/**
 * Activities that show the customer taking part: a call held, a meeting kept. A task is internal work; an email, a
 * letter or an SMS sent is ours alone, and says nothing of whether the customer is still there (a bulk send would
 * otherwise make every lost customer it reaches active again: an outside probe).
 */
export const CUSTOMER_FACING_ACTIVITIES: readonly ActivityType[] = ['phone_call', 'appointment'];

/** Channels on which an interaction we started is one the customer took part in (a conversation), whichever way it began. */
export const TWO_WAY_CHANNELS: readonly InteractionLogged['data']['channel'][] = ['phone', 'in_person'];

/** A logged interaction shows the customer's activity when they reached us, or when we spoke with them. */
export const showsCustomerActivity = (data: Pick<InteractionLogged['data'], 'direction' | 'channel'>): boolean =>
  data.direction === 'inbound' || TWO_WAY_CHANNELS.includes(data.channel);

/**
 * The customer an interaction or activity is about: the account, contact or deal it names, or the one its quote or
 * complaint belongs to, as recorded with it (`customer`, read from that record when it was logged or scheduled).
 */
function customerOf(regarding: Regarding, customer?: CustomerRef): CustomerRef | undefined {
  return namedCustomer(regarding) ?? customer;
}

/** Records that name their customer; a lead or campaign has none, and a quote's or complaint's is recorded with it (`customer`). */
function namedCustomer(regarding: Regarding): CustomerRef | undefined {
  switch (regarding.type) {
    case 'account':
      return { accountId: regarding.id };
    case 'contact':
      return { contactId: regarding.id };
    case 'opportunity':
      return { opportunityId: regarding.id };
    default:
      return undefined;
  }
}

function activityRef(event: RecordedOf<InteractionEvent>): string | undefined {
  if (event.type === 'InteractionLogged') {
    if (!showsCustomerActivity(event.data)) return undefined;
    return customerOf(event.data.regarding, event.data.customer) && documentKey(event, 'interaction', event.data.interactionId);
  }
  if (event.type === 'ActivityCompleted') {
    const { activityId, occurrence, activityType, regarding, customer } = event.data;
    const counts = CUSTOMER_FACING_ACTIVITIES.includes(activityType) && customerOf(regarding, customer) !== undefined;
    return counts ? documentKey(event, 'activity', activityId, String(occurrence)) : undefined;
  }
  return undefined;
}

/** Only parties on file can be attributed to an account; someone known by name alone is not a customer record. */
function knownParty(party: Party): { accountId: string } | { contactId: string } | undefined {
  if ('accountId' in party) return { accountId: party.accountId };
  if ('contactId' in party) return { contactId: party.contactId };
  return undefined;
}

function source(event: RecordedOf<ServiceEvent>): { kind: InteractionKind; id: string; party?: Party } {
  switch (event.type) {
    case 'ComplaintReceived':
      return { kind: 'complaint', id: event.data.complaintId, party: event.data.complainant };
    case 'ComplaintClosed':
    case 'ComplaintReopened':
      return { kind: 'complaint', id: event.data.complaintId };
    case 'FeedbackSubmitted':
      return { kind: 'feedback', id: event.data.feedbackId, party: event.data.from };
    case 'SurveyResponseRecorded':
      return { kind: 'survey', id: event.data.responseId, party: event.data.respondent };
  }
}

function opened(event: RecordedEvent, kind: InteractionKind, sourceId: string, party: Party, at: string): CustomerInteractionDoc | null {
  const ref = knownParty(party);
  return ref ? { tenantId: tenantOf(event), kind, sourceId, ...ref, at: utc(at) } : null;
}

function closeLast(spans: readonly OpenSpan[], to: string): OpenSpan[] {
  return spans.map((span, index) => (index === spans.length - 1 && span.to === undefined ? { ...span, to } : span));
}

/**
 * One document per complaint, feedback or survey response from an account or
 * contact on file, per interaction logged that shows the customer's activity
 * (inbound, or a conversation) and per customer-facing activity occurrence
 * completed (a call, a meeting) regarding an account, contact or opportunity.
 */
export const customerInteractionsProjection = stampChanges(
  defineProjection<CustomerInteractionDoc, InteractionEvent>({
    name: LOYALTY_PROJECTION_NAMES.interactions,
    // 5: outbound one-way messages (an email, an SMS or a letter sent) are not the customer's activity.
    version: 5,
    collection: 'loyalty_customer_interactions',
    readsPersonalData: false,
    eventTypes: [
      'ComplaintReceived',
      'ComplaintClosed',
      'ComplaintReopened',
      'FeedbackSubmitted',
      'SurveyResponseRecorded',
      'InteractionLogged',
      'ActivityCompleted',
    ],
    indexes: [
      ['tenantId', 'accountId'],
      ['tenantId', 'contactId'],
      ['tenantId', 'opportunityId'],
    ],
    summary: tenantChangeMarker,
    documentId(event) {
      if (event.type === 'InteractionLogged' || event.type === 'ActivityCompleted') return activityRef(event);
      const { kind, id, party } = source(event);
      return party === undefined || knownParty(party) ? documentKey(event, kind, id) : undefined;
    },
    evolve(doc, event) {
      switch (event.type) {
        case 'ComplaintReceived': {
          const created = opened(event, 'complaint', event.data.complaintId, event.data.complainant, event.data.receivedAt);
          return created && { ...created, openSpans: [{ from: created.at }] };
        }
        case 'ComplaintClosed':
          return doc && { ...doc, openSpans: closeLast(doc.openSpans ?? [], utc(event.data.closedAt)) };
        case 'ComplaintReopened':
          return doc && { ...doc, openSpans: [...(doc.openSpans ?? []), { from: utc(event.data.reopenedAt) }] };
        case 'FeedbackSubmitted':
          return opened(event, 'feedback', event.data.feedbackId, event.data.from, event.data.submittedAt);
        case 'SurveyResponseRecorded': {
          const created = opened(event, 'survey', event.data.responseId, event.data.respondent, event.data.respondedAt);
          const { surveyType, answers } = event.data;
          return created && { ...created, surveyType, ...('score' in answers ? { score: answers.score } : {}) };
        }
        case 'InteractionLogged': {
          const { interactionId, regarding, customer, occurredAt, channel } = event.data;
          const ref = customerOf(regarding, customer);
          return ref
            ? { tenantId: tenantOf(event), kind: 'interaction', sourceId: interactionId, ...ref, at: utc(occurredAt), channel }
            : null;
        }
        case 'ActivityCompleted': {
          const { activityId, occurrence, regarding, customer, completedAt, activityType } = event.data;
          const ref = customerOf(regarding, customer);
          return ref
            ? {
                tenantId: tenantOf(event),
                kind: 'activity',
                sourceId: activityId,
                ...ref,
                at: utc(completedAt),
                channel: activityType,
                occurrence,
              }
            : null;
        }
        default: {
          const _exhaustive: never = event;
          return _exhaustive;
        }
      }
    },
  }),
);
