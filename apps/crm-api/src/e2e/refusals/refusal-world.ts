import { randomUUID } from 'node:crypto';
import type { HttpReply } from '../../testing/test-app';
import { daysFromNow } from '../sales-e2e-support';
import { phoneCall, weeklyFollowUp } from '../activities-e2e-support';

type Post = (path: string, body?: unknown, headers?: Record<string, string>) => Promise<HttpReply>;

/** Records in every state the refusal table needs, made through the API as a client would. */
export interface RefusalWorld {
  readonly openLead: string;
  readonly openLeadPhone: string;
  readonly closedLead: string;
  readonly openAccount: string;
  readonly closedAccount: string;
  readonly contact: string;
  readonly openDeal: string;
  readonly wonDeal: string;
  readonly lostDeal: string;
  readonly draftQuote: string;
  readonly acceptedQuote: string;
  readonly staticList: string;
  readonly dynamicList: string;
  readonly plannedCampaign: string;
  readonly cancelledActivity: string;
  readonly receivedComplaint: string;
  readonly acknowledgedComplaint: string;
  /** An API key already created under this Idempotency-Key: the same request again is refused, its key shown once. */
  readonly apiKeyRequest: { readonly idempotencyKey: string; readonly body: Record<string, unknown> };
}

export const lines = [{ description: 'ورق فولادی', quantity: 2, unitPrice: { amount: 5_000_000 } }];

export async function buildRefusalWorld(post: Post): Promise<RefusalWorld> {
  const id = async (path: string, body: unknown = {}) => {
    const reply = await post(path, body);
    if (reply.status >= 300) throw new Error(`setting up ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body['id'] as string;
  };
  const openLeadPhone = '09125550001';
  const openLead = await id('/leads', { fullName: 'سارا نوری', source: 'web', phone: openLeadPhone });
  const closedLead = await id('/leads', { fullName: 'علی رضایی', source: 'web', phone: '09125550002' });
  await id(`/leads/${closedLead}/disqualify`, { reason: 'no_budget' });
  const openAccount = await id('/accounts', { name: 'فولاد مبارکه' });
  const closedAccount = await id('/accounts', { name: 'بازرگانی آریا' });
  await id(`/accounts/${closedAccount}/close`, { reason: 'ادغام' });
  const contact = await id('/contacts', { fullName: 'مریم احمدی', accountId: openAccount });
  const deal = () =>
    id('/opportunities', {
      accountId: openAccount,
      name: 'ورق',
      need: 'ورق گرم',
      amount: { amount: 10_000_000 },
      expectedCloseDate: daysFromNow(30),
    });
  const openDeal = await deal();
  const wonDeal = await deal();
  await id(`/opportunities/${wonDeal}/win`, { amount: { amount: 10_000_000 } });
  const lostDeal = await deal();
  await id(`/opportunities/${lostDeal}/lose`, { reason: 'قیمت' });
  const draftQuote = await id('/quotes', { opportunityId: openDeal, lines, validUntil: daysFromNow(7) });
  const quotedDeal = await deal();
  const acceptedQuote = await id('/quotes', { opportunityId: quotedDeal, lines, validUntil: daysFromNow(7) });
  await id(`/quotes/${acceptedQuote}/issue`);
  await id(`/quotes/${acceptedQuote}/accept`);
  const staticList = await id('/marketing-lists', { name: 'فهرست ثابت', memberType: 'account', kind: 'static' });
  const criteria = { match: 'all', conditions: [{ field: 'industry', operator: 'eq', value: 'فولاد' }] };
  const dynamicList = await id('/marketing-lists', { name: 'فهرست پویا', memberType: 'account', kind: 'dynamic', criteria });
  const plannedCampaign = await id('/campaigns', {
    name: 'نوروز',
    goal: 'lead_generation',
    channel: 'sms',
    budget: { amount: 50_000_000 },
    startDate: daysFromNow(1),
    endDate: daysFromNow(30),
  });
  const cancelledActivity = await id('/activities', weeklyFollowUp(openDeal));
  await id(`/activities/${cancelledActivity}/cancel`, { reason: 'لغو' });
  const complaint = { complainant: { contactId: contact }, channel: 'phone', category: 'تاخیر', description: 'محموله دیر رسید' };
  const receivedComplaint = await id('/complaints', complaint);
  const acknowledgedComplaint = await id('/complaints', complaint);
  await id(`/complaints/${acknowledgedComplaint}/acknowledge`);
  const apiKeyRequest = { idempotencyKey: `refusal-world-${randomUUID()}`, body: { name: 'erp-sync', roles: ['sales'] } };
  const created = await post('/admin/api-keys', apiKeyRequest.body, { 'idempotency-key': apiKeyRequest.idempotencyKey });
  if (created.status !== 201) throw new Error(`setting up an API key: ${created.status} ${JSON.stringify(created.body)}`);
  return {
    openLead,
    openLeadPhone,
    closedLead,
    openAccount,
    closedAccount,
    contact,
    openDeal,
    wonDeal,
    lostDeal,
    draftQuote,
    acceptedQuote,
    staticList,
    dynamicList,
    plannedCampaign,
    cancelledActivity,
    receivedComplaint,
    acknowledgedComplaint,
    apiKeyRequest,
  };
}

export interface RefusedRequest {
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** The refusal expected: its status and code. */
  readonly status: number;
  readonly code: string;
}

const ghost = () => randomUUID();

/**
 * One request per command route (keyed by its OpenAPI path) that the domain
 * refuses — a business rule, an unknown record, a reference that does not
 * exist — with everything else about it valid, so it reaches the decider.
 */
export const REFUSAL_TABLE: Readonly<Record<string, (w: RefusalWorld) => RefusedRequest>> = {
  '/api/v1/leads': (w) => ({
    path: '/leads',
    body: { fullName: 'کسی', source: 'web', phone: w.openLeadPhone },
    status: 409,
    code: 'LEAD.DUPLICATE',
  }),
  '/api/v1/leads/{id}/update': (w) => ({
    path: `/leads/${w.closedLead}/update`,
    body: { company: 'شرکت' },
    status: 409,
    code: 'LEAD.CLOSED',
  }),
  '/api/v1/leads/{id}/assign': (w) => ({
    path: `/leads/${w.closedLead}/assign`,
    body: { ownerId: 'user-2' },
    status: 409,
    code: 'LEAD.CLOSED',
  }),
  '/api/v1/leads/{id}/qualify': (w) => ({
    path: `/leads/${w.openLead}/qualify`,
    body: { accountId: w.closedAccount, opportunity: { name: 'ورق', estimatedValue: { amount: 1 }, expectedCloseDate: daysFromNow(9) } },
    status: 409,
    code: 'ACCOUNT.CLOSED',
  }),
  '/api/v1/leads/{id}/disqualify': (w) => ({
    path: `/leads/${w.closedLead}/disqualify`,
    body: { reason: 'other' },
    status: 409,
    code: 'LEAD.CLOSED',
  }),
  '/api/v1/contacts': () => ({ path: '/contacts', body: { fullName: 'کسی', accountId: ghost() }, status: 404, code: 'ACCOUNT.NOT_FOUND' }),
  '/api/v1/contacts/{id}/update': () => ({
    path: `/contacts/${ghost()}/update`,
    body: { fullName: 'کسی' },
    status: 404,
    code: 'CONTACT.NOT_FOUND',
  }),
  '/api/v1/contacts/{id}/link-account': (w) => ({
    path: `/contacts/${w.contact}/link-account`,
    body: { accountId: ghost() },
    status: 404,
    code: 'ACCOUNT.NOT_FOUND',
  }),
  '/api/v1/contacts/{id}/consent': () => ({
    path: `/contacts/${ghost()}/consent`,
    body: { channel: 'sms', granted: true },
    status: 404,
    code: 'CONTACT.NOT_FOUND',
  }),
  '/api/v1/accounts': (w) => ({
    path: '/accounts',
    body: { id: w.openAccount, name: 'تکراری' },
    status: 409,
    code: 'ACCOUNT.ALREADY_EXISTS',
  }),
  '/api/v1/accounts/{id}/update': (w) => ({
    path: `/accounts/${w.closedAccount}/update`,
    body: { industry: 'فولاد' },
    status: 409,
    code: 'ACCOUNT.CLOSED',
  }),
  '/api/v1/accounts/{id}/close': (w) => ({
    path: `/accounts/${w.closedAccount}/close`,
    body: { reason: 'دوباره' },
    status: 409,
    code: 'ACCOUNT.CLOSED',
  }),
  '/api/v1/accounts/{id}/reopen': (w) => ({
    path: `/accounts/${w.openAccount}/reopen`,
    body: {},
    status: 409,
    code: 'ACCOUNT.NOT_CLOSED',
  }),
  '/api/v1/accounts/{id}/purchases': (w) => ({
    path: `/accounts/${w.closedAccount}/purchases`,
    body: { amount: { amount: 1000 }, occurredAt: '2025-03-01T10:00:00+03:30', externalRef: 'INV-1' },
    status: 409,
    code: 'ACCOUNT.CLOSED',
  }),
  '/api/v1/opportunities': (w) => ({
    path: '/opportunities',
    body: { accountId: w.closedAccount, name: 'ورق', need: 'ورق', amount: { amount: 1 }, expectedCloseDate: daysFromNow(9) },
    status: 409,
    code: 'ACCOUNT.CLOSED',
  }),
  '/api/v1/opportunities/{id}/propose-solution': (w) => ({
    path: `/opportunities/${w.wonDeal}/propose-solution`,
    body: { solution: 'راه‌حل' },
    status: 409,
    code: 'OPPORTUNITY.CLOSED',
  }),
  '/api/v1/opportunities/{id}/move-stage': (w) => ({
    path: `/opportunities/${w.wonDeal}/move-stage`,
    body: { stage: 'proposal' },
    status: 409,
    code: 'OPPORTUNITY.CLOSED',
  }),
  '/api/v1/opportunities/{id}/revise-estimate': (w) => ({
    path: `/opportunities/${w.lostDeal}/revise-estimate`,
    body: { probability: 50 },
    status: 409,
    code: 'OPPORTUNITY.CLOSED',
  }),
  '/api/v1/opportunities/{id}/win': (w) => ({
    path: `/opportunities/${w.openDeal}/win`,
    body: { amount: { amount: 1, currency: 'USD' } },
    status: 409,
    code: 'OPPORTUNITY.CURRENCY_MISMATCH',
  }),
  '/api/v1/opportunities/{id}/lose': (w) => ({
    path: `/opportunities/${w.lostDeal}/lose`,
    body: { reason: 'دوباره' },
    status: 409,
    code: 'OPPORTUNITY.CLOSED',
  }),
  '/api/v1/opportunities/{id}/reopen': (w) => ({
    path: `/opportunities/${w.openDeal}/reopen`,
    body: { reason: 'بازگشایی' },
    status: 409,
    code: 'OPPORTUNITY.NOT_CLOSED',
  }),
  '/api/v1/quotes': (w) => ({
    path: '/quotes',
    body: { opportunityId: w.wonDeal, lines, validUntil: daysFromNow(7) },
    status: 409,
    code: 'OPPORTUNITY.CLOSED',
  }),
  '/api/v1/quotes/{id}/issue': (w) => ({ path: `/quotes/${w.acceptedQuote}/issue`, body: {}, status: 409, code: 'QUOTE.ACCEPTED' }),
  '/api/v1/quotes/{id}/accept': (w) => ({ path: `/quotes/${w.draftQuote}/accept`, body: {}, status: 409, code: 'QUOTE.NOT_ISSUED' }),
  '/api/v1/quotes/{id}/reject': (w) => ({
    path: `/quotes/${w.draftQuote}/reject`,
    body: { reason: 'گران' },
    status: 409,
    code: 'QUOTE.NOT_ISSUED',
  }),
  '/api/v1/quotes/{id}/revise': (w) => ({
    path: `/quotes/${w.acceptedQuote}/revise`,
    body: { validUntil: daysFromNow(9) },
    status: 409,
    code: 'QUOTE.ACCEPTED',
  }),
  '/api/v1/marketing-lists': (w) => ({
    path: '/marketing-lists',
    body: { id: w.staticList, name: 'تکراری', memberType: 'account', kind: 'static' },
    status: 409,
    code: 'LIST.ALREADY_EXISTS',
  }),
  '/api/v1/marketing-lists/{id}/members': (w) => ({
    path: `/marketing-lists/${w.staticList}/members`,
    body: { memberIds: [ghost()] },
    status: 404,
    code: 'ACCOUNT.NOT_FOUND',
  }),
  '/api/v1/marketing-lists/{id}/members/remove': (w) => ({
    path: `/marketing-lists/${w.dynamicList}/members/remove`,
    body: { memberIds: [w.openAccount] },
    status: 409,
    code: 'LIST.NOT_STATIC',
  }),
  '/api/v1/admin/api-keys': (w) => ({
    path: '/admin/api-keys',
    body: w.apiKeyRequest.body,
    headers: { 'idempotency-key': w.apiKeyRequest.idempotencyKey },
    status: 409,
    code: 'API_KEY.SHOWN_ONCE',
  }),
  '/api/v1/data-subjects/erase': () => ({
    path: '/data-subjects/erase',
    body: { subject: { type: 'contact', id: ghost() }, reason: 'درخواست حذف' },
    status: 404,
    code: 'DATA_SUBJECT.NOT_FOUND',
  }),
  '/api/v1/admin/api-keys/{id}/revoke': () => ({
    path: `/admin/api-keys/${ghost()}/revoke`,
    body: { reason: 'rotated' },
    status: 404,
    code: 'API_KEY.NOT_FOUND',
  }),
  '/api/v1/campaigns': (w) => ({
    path: '/campaigns',
    body: {
      id: w.plannedCampaign,
      name: 'تکراری',
      goal: 'lead_generation',
      channel: 'sms',
      budget: { amount: 1 },
      startDate: daysFromNow(1),
      endDate: daysFromNow(2),
    },
    status: 409,
    code: 'CAMPAIGN.ALREADY_EXISTS',
  }),
  '/api/v1/campaigns/{id}/target-lists': (w) => ({
    path: `/campaigns/${w.plannedCampaign}/target-lists`,
    body: { listIds: [w.staticList, ghost()] },
    status: 404,
    code: 'LIST.NOT_FOUND',
  }),
  '/api/v1/campaigns/{id}/start': (w) => ({
    path: `/campaigns/${w.plannedCampaign}/start`,
    body: {},
    status: 409,
    code: 'CAMPAIGN.NO_TARGET_LISTS',
  }),
  '/api/v1/campaigns/{id}/costs': (w) => ({
    path: `/campaigns/${w.plannedCampaign}/costs`,
    body: { amount: { amount: 1000, currency: 'EUR' } },
    status: 409,
    code: 'CAMPAIGN.CURRENCY_MISMATCH',
  }),
  '/api/v1/campaigns/{id}/responses': (w) => ({
    path: `/campaigns/${w.plannedCampaign}/responses`,
    body: { targetId: { type: 'lead', id: w.openLead }, responseType: 'interested' },
    status: 409,
    code: 'CAMPAIGN.NOT_STARTED',
  }),
  '/api/v1/campaigns/{id}/complete': (w) => ({
    path: `/campaigns/${w.plannedCampaign}/complete`,
    body: {},
    status: 409,
    code: 'CAMPAIGN.NOT_STARTED',
  }),
  '/api/v1/campaigns/{id}/cancel': () => ({
    path: `/campaigns/${ghost()}/cancel`,
    body: { reason: 'لغو' },
    status: 404,
    code: 'CAMPAIGN.NOT_FOUND',
  }),
  '/api/v1/activities': () => ({ path: '/activities', body: weeklyFollowUp(ghost()), status: 404, code: 'OPPORTUNITY.NOT_FOUND' }),
  '/api/v1/activities/{id}/reschedule': (w) => ({
    path: `/activities/${w.cancelledActivity}/reschedule`,
    body: { dueAt: '2025-03-05T10:00:00+03:30' },
    status: 409,
    code: 'ACTIVITY.CLOSED',
  }),
  '/api/v1/activities/{id}/reassign': (w) => ({
    path: `/activities/${w.cancelledActivity}/reassign`,
    body: { assignee: { teamId: 'team-1' } },
    status: 409,
    code: 'ACTIVITY.CLOSED',
  }),
  '/api/v1/activities/{id}/complete': (w) => ({
    path: `/activities/${w.cancelledActivity}/complete`,
    body: { outcome: 'انجام شد' },
    status: 409,
    code: 'ACTIVITY.CLOSED',
  }),
  '/api/v1/activities/{id}/cancel': (w) => ({
    path: `/activities/${w.cancelledActivity}/cancel`,
    body: { reason: 'دوباره' },
    status: 409,
    code: 'ACTIVITY.CLOSED',
  }),
  '/api/v1/interactions': (w) => ({
    path: '/interactions',
    body: { ...phoneCall(w.contact), activityId: ghost() },
    status: 404,
    code: 'ACTIVITY.NOT_FOUND',
  }),
  '/api/v1/complaints': () => ({
    path: '/complaints',
    body: { complainant: { accountId: ghost() }, channel: 'phone', category: 'تاخیر', description: 'دیر' },
    status: 404,
    code: 'ACCOUNT.NOT_FOUND',
  }),
  '/api/v1/complaints/{id}/acknowledge': (w) => ({
    path: `/complaints/${w.acknowledgedComplaint}/acknowledge`,
    body: {},
    status: 409,
    code: 'COMPLAINT.ALREADY_ACKNOWLEDGED',
  }),
  '/api/v1/complaints/{id}/assess': () => ({
    path: `/complaints/${ghost()}/assess`,
    body: { severity: 'high' },
    status: 404,
    code: 'COMPLAINT.NOT_FOUND',
  }),
  '/api/v1/complaints/{id}/assign': () => ({
    path: `/complaints/${ghost()}/assign`,
    body: { assignee: { userId: 'user-1' } },
    status: 404,
    code: 'COMPLAINT.NOT_FOUND',
  }),
  '/api/v1/complaints/{id}/investigation-notes': () => ({
    path: `/complaints/${ghost()}/investigation-notes`,
    body: { note: 'یادداشت' },
    status: 404,
    code: 'COMPLAINT.NOT_FOUND',
  }),
  '/api/v1/complaints/{id}/respond': (w) => ({
    path: `/complaints/${w.receivedComplaint}/respond`,
    body: { response: 'پاسخ' },
    status: 409,
    code: 'COMPLAINT.NOT_ACKNOWLEDGED',
  }),
  '/api/v1/complaints/{id}/communicate-decision': (w) => ({
    path: `/complaints/${w.acknowledgedComplaint}/communicate-decision`,
    body: { decision: 'تصمیم', channel: 'phone' },
    status: 409,
    code: 'COMPLAINT.NO_RESPONSE',
  }),
  '/api/v1/complaints/{id}/escalate': () => ({
    path: `/complaints/${ghost()}/escalate`,
    body: { toLevel: 'head_office', reason: 'دلیل' },
    status: 404,
    code: 'COMPLAINT.NOT_FOUND',
  }),
  '/api/v1/complaints/{id}/close': (w) => ({
    path: `/complaints/${w.acknowledgedComplaint}/close`,
    body: { outcome: 'resolved' },
    status: 409,
    code: 'COMPLAINT.DECISION_NOT_COMMUNICATED',
  }),
  '/api/v1/complaints/{id}/reopen': (w) => ({
    path: `/complaints/${w.acknowledgedComplaint}/reopen`,
    body: { reason: 'دلیل' },
    status: 409,
    code: 'COMPLAINT.NOT_CLOSED',
  }),
  '/api/v1/complaints/{id}/satisfaction': (w) => ({
    path: `/complaints/${w.acknowledgedComplaint}/satisfaction`,
    body: { score: 4 },
    status: 409,
    code: 'COMPLAINT.NOT_CLOSED',
  }),
  '/api/v1/feedback': () => ({
    path: '/feedback',
    body: { from: { contactId: ghost() }, kind: 'idea', text: 'پیشنهاد', channel: 'web' },
    status: 404,
    code: 'CONTACT.NOT_FOUND',
  }),
  '/api/v1/feedback/{id}/acknowledge': () => ({
    path: `/feedback/${ghost()}/acknowledge`,
    body: { reply: 'سپاسگزاریم' },
    status: 404,
    code: 'FEEDBACK.NOT_FOUND',
  }),
  '/api/v1/surveys/responses': () => ({
    path: '/surveys/responses',
    body: { surveyType: 'nps', respondent: { accountId: ghost() }, answers: { score: 9 } },
    status: 404,
    code: 'ACCOUNT.NOT_FOUND',
  }),
};
