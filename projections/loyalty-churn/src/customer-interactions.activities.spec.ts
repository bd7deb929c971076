import type { ActivityCompleted, ActivityType, InteractionLogged, Regarding } from '@crm/activities/domain';
import { projectionSpec } from '@crm/shared/testing';
import { customerInteractionsProjection } from './customer-interactions.projection';
import { opportunityAccountsProjection } from './opportunity-accounts.projection';
import { sortablePosition } from './documents';

/** The sortable form of the position of the n-th event given (the lastPosition the fold stamps). */
const at = (n: number): string => sortablePosition(String(n));

const logged = (interactionId: string, regarding: Regarding, occurredAt: string): InteractionLogged => ({
  type: 'InteractionLogged',
  data: {
    interactionId,
    channel: 'phone',
    direction: 'inbound',
    regarding,
    summary: 'پیگیری سفارش',
    occurredAt,
    loggedAt: '2025-05-10T00:00:00Z',
  },
});

const completed = (activityId: string, occurrence: number, activityType: ActivityType, regarding: Regarding, completedAt: string) =>
  ({
    type: 'ActivityCompleted',
    data: { activityId, occurrence, activityType, regarding, outcome: 'انجام شد', completedAt },
  }) as ActivityCompleted;

describe('loyalty-customer-interactions projection: activities context', () => {
  it('counts interactions logged regarding an account, contact or opportunity, and nothing about a lead', () => {
    projectionSpec(customerInteractionsProjection)
      .given([
        logged('i1', { type: 'account', id: 'a1' }, '2025-05-01T09:00:00+03:30'),
        logged('i2', { type: 'contact', id: 'c1' }, '2025-05-02T00:00:00Z'),
        logged('i3', { type: 'opportunity', id: 'o1' }, '2025-05-03T00:00:00Z'),
        logged('i4', { type: 'lead', id: 'l1' }, '2025-05-04T00:00:00Z'),
      ])
      .thenDocuments({
        'default:interaction:i1': {
          tenantId: 'default',
          kind: 'interaction',
          sourceId: 'i1',
          accountId: 'a1',
          at: '2025-05-01T05:30:00.000Z',
          channel: 'phone',
          lastPosition: at(1),
        },
        'default:interaction:i2': {
          tenantId: 'default',
          kind: 'interaction',
          sourceId: 'i2',
          contactId: 'c1',
          at: '2025-05-02T00:00:00.000Z',
          channel: 'phone',
          lastPosition: at(2),
        },
        'default:interaction:i3': {
          tenantId: 'default',
          kind: 'interaction',
          sourceId: 'i3',
          opportunityId: 'o1',
          at: '2025-05-03T00:00:00.000Z',
          channel: 'phone',
          lastPosition: at(3),
        },
      });
  });

  it('counts what shows the customer: an interaction from them or a conversation, not a message we sent (a bulk SMS brought lost customers back)', () => {
    const sent = (id: string, channel: InteractionLogged['data']['channel'], direction: 'inbound' | 'outbound'): InteractionLogged => {
      const base = logged(id, { type: 'account', id: 'a1' }, '2025-05-01T00:00:00Z');
      return { ...base, data: { ...base.data, channel, direction } };
    };
    projectionSpec(customerInteractionsProjection)
      .given([
        sent('sms-out', 'sms', 'outbound'),
        sent('email-out', 'email', 'outbound'),
        sent('letter-out', 'letter', 'outbound'),
        sent('social-out', 'social', 'outbound'),
        sent('email-in', 'email', 'inbound'),
        sent('call-out', 'phone', 'outbound'),
        sent('visit-out', 'in_person', 'outbound'),
        completed('e1', 0, 'email', { type: 'account', id: 'a1' }, '2025-05-02T00:00:00Z'),
        completed('s1', 0, 'sms', { type: 'account', id: 'a1' }, '2025-05-02T00:00:00Z'),
        completed('l1', 0, 'letter', { type: 'account', id: 'a1' }, '2025-05-02T00:00:00Z'),
      ])
      .thenDocuments(
        Object.fromEntries(
          (
            [
              ['email-in', 'email', 5],
              ['call-out', 'phone', 6],
              ['visit-out', 'in_person', 7],
            ] as const
          ).map(([id, channel, n]) => [
            `default:interaction:${id}`,
            {
              tenantId: 'default',
              kind: 'interaction',
              sourceId: id,
              accountId: 'a1',
              at: '2025-05-01T00:00:00.000Z',
              channel,
              lastPosition: at(n),
            },
          ]),
        ),
      );
  });

  it('counts each completed occurrence of a customer-facing activity, but not internal tasks or activities about a campaign', () => {
    projectionSpec(customerInteractionsProjection)
      .given([
        completed('v1', 0, 'phone_call', { type: 'contact', id: 'c1' }, '2025-06-01T00:00:00Z'),
        completed('v1', 1, 'phone_call', { type: 'contact', id: 'c1' }, '2025-06-08T00:00:00Z'),
        completed('v2', 0, 'task', { type: 'account', id: 'a1' }, '2025-06-02T00:00:00Z'),
        completed('v3', 0, 'email', { type: 'campaign', id: 'k1' }, '2025-06-03T00:00:00Z'),
        completed('v4', 0, 'appointment', { type: 'opportunity', id: 'o1' }, '2025-06-04T00:00:00Z'),
      ])
      .thenDocuments({
        'default:activity:v1:0': {
          tenantId: 'default',
          kind: 'activity',
          sourceId: 'v1',
          contactId: 'c1',
          at: '2025-06-01T00:00:00.000Z',
          channel: 'phone_call',
          occurrence: 0,
          lastPosition: at(1),
        },
        'default:activity:v1:1': {
          tenantId: 'default',
          kind: 'activity',
          sourceId: 'v1',
          contactId: 'c1',
          at: '2025-06-08T00:00:00.000Z',
          channel: 'phone_call',
          occurrence: 1,
          lastPosition: at(2),
        },
        'default:activity:v4:0': {
          tenantId: 'default',
          kind: 'activity',
          sourceId: 'v4',
          opportunityId: 'o1',
          at: '2025-06-04T00:00:00.000Z',
          channel: 'appointment',
          occurrence: 0,
          lastPosition: at(5),
        },
      });
  });

  it('counts a call about a quote or a complaint as its customer’s, by the customer recorded with it', () => {
    // Before, a call about a customer's quote or complaint counted for nobody (an outside probe: a lost account stayed lost).
    const quote = { ...logged('i5', { type: 'quote', id: 'q1' }, '2025-05-05T00:00:00Z') };
    const aboutQuote: InteractionLogged = { ...quote, data: { ...quote.data, customer: { opportunityId: 'o1' } } };
    const complaint = logged('i6', { type: 'complaint', id: 'k1' }, '2025-05-06T00:00:00Z');
    const aboutComplaint: InteractionLogged = { ...complaint, data: { ...complaint.data, customer: { accountId: 'a1' } } };
    const walkIn = logged('i7', { type: 'complaint', id: 'k2' }, '2025-05-07T00:00:00Z');
    const call = completed('t1', 0, 'phone_call', { type: 'quote', id: 'q1' }, '2025-05-08T00:00:00Z');
    const callAboutQuote = { ...call, data: { ...call.data, customer: { opportunityId: 'o1' } } } as ActivityCompleted;
    projectionSpec(customerInteractionsProjection)
      .given([aboutQuote, aboutComplaint, walkIn, callAboutQuote])
      .thenDocuments({
        'default:interaction:i5': {
          tenantId: 'default',
          kind: 'interaction',
          sourceId: 'i5',
          opportunityId: 'o1',
          at: '2025-05-05T00:00:00.000Z',
          channel: 'phone',
          lastPosition: at(1),
        },
        'default:interaction:i6': {
          tenantId: 'default',
          kind: 'interaction',
          sourceId: 'i6',
          accountId: 'a1',
          at: '2025-05-06T00:00:00.000Z',
          channel: 'phone',
          lastPosition: at(2),
        },
        'default:activity:t1:0': {
          tenantId: 'default',
          kind: 'activity',
          sourceId: 't1',
          opportunityId: 'o1',
          at: '2025-05-08T00:00:00.000Z',
          channel: 'phone_call',
          occurrence: 0,
          lastPosition: at(4),
        },
      });
  });
});

describe('loyalty-opportunity-accounts projection', () => {
  it('links a deal to its account from the qualification, and from a direct opening', () => {
    projectionSpec(opportunityAccountsProjection)
      .given([
        {
          type: 'LeadQualified',
          data: {
            leadId: 'l1',
            source: 'web',
            contact: { contactId: 'c1', existing: false, fullName: 'مریم احمدی' },
            account: { accountId: 'a1', existing: false, name: 'شرکت فولاد' },
            opportunity: {
              opportunityId: 'o1',
              name: 'ورق',
              need: 'ورق گرم',
              estimatedValue: { amount: 1, currency: 'IRR' },
              expectedCloseDate: '2025-09-01',
            },
            qualifiedAt: '2025-05-01T00:00:00Z',
          },
        },
        {
          type: 'OpportunityOpened',
          data: {
            opportunityId: 'o2',
            accountId: 'a2',
            name: 'خدمات',
            need: 'نگهداری',
            amount: { amount: 5, currency: 'IRR' },
            expectedCloseDate: '2025-09-01',
            stage: 'qualification',
            probability: 10,
            openedAt: '2025-05-02T00:00:00Z',
          },
        },
      ])
      .thenDocuments({
        'default:o1': { tenantId: 'default', opportunityId: 'o1', accountId: 'a1', lastPosition: at(1) },
        'default:o2': { tenantId: 'default', opportunityId: 'o2', accountId: 'a2', lastPosition: at(2) },
      });
  });
});
