import { daysFromNow } from './sales-e2e-support';

type Post = (path: string, body?: unknown, actor?: string) => Promise<Record<string, unknown>>;

/**
 * The marketing and activities part of the mixed burst: lists (static and
 * dynamic), campaigns run to completion or called off, a lead attributed to
 * each, and activities and interactions about the customers, so every
 * campaign and loyalty read model has something to rebuild.
 */
export async function campaignBurst(post: Post, i: number, contacts: readonly string[], accountId: string): Promise<void> {
  const marketer = 'marketing-21';
  const staticList = (await post('/marketing-lists', { name: `مشتریان ${i}`, memberType: 'contact', kind: 'static' }, marketer))['id'];
  await post(`/marketing-lists/${staticList as string}/members`, { memberIds: contacts.slice(0, 3) }, marketer);
  if (i % 2 === 0) await post(`/marketing-lists/${staticList as string}/members/remove`, { memberIds: contacts.slice(0, 1) }, marketer);
  const criteria = { match: 'all', conditions: [{ field: 'industry', operator: 'eq', value: 'فولاد' }] };
  const dynamicList = (
    await post('/marketing-lists', { name: `صنایع فولاد ${i}`, memberType: 'account', kind: 'dynamic', criteria }, marketer)
  )['id'];
  const campaign = {
    name: `جشنواره ${i}`,
    goal: 'lead_generation',
    channel: ['sms', 'email', 'event'][i % 3],
    budget: { amount: 50_000_000, currency: 'IRR' },
    startDate: daysFromNow(1),
    endDate: daysFromNow(30),
  };
  const campaignId = (await post('/campaigns', campaign, marketer))['id'] as string;
  await post(`/campaigns/${campaignId}/target-lists`, { listIds: [staticList, dynamicList] }, marketer);
  if (i % 3 === 2) {
    await post(`/campaigns/${campaignId}/cancel`, { reason: 'بودجه به کمپین دیگری رسید' }, marketer);
    return;
  }
  await post(`/campaigns/${campaignId}/start`, {}, marketer);
  await post(`/campaigns/${campaignId}/costs`, { amount: { amount: 10_000_000 + i, currency: 'IRR' } }, marketer);
  for (const contactId of contacts.slice(0, 2)) {
    await post(
      `/campaigns/${campaignId}/responses`,
      { targetId: { type: 'contact', id: contactId }, responseType: 'interested' },
      marketer,
    );
  }
  const phone = `0917${String(3_000_000 + i).padStart(7, '0')}`;
  const leadId = (await post('/leads', { fullName: `پاسخ کمپین ${i}`, source: 'campaign', phone, campaignId }))['id'] as string;
  const opportunity = { name: `فرصت کمپین ${i}`, estimatedValue: { amount: 200_000_000 }, expectedCloseDate: daysFromNow(40) };
  const qualified = await post(`/leads/${leadId}/qualify`, { opportunity });
  await post(`/opportunities/${qualified['opportunityId'] as string}/win`, { amount: { amount: 180_000_000, currency: 'IRR' } });
  await post(`/campaigns/${campaignId}/complete`, {}, marketer);

  const regarding = { type: i % 2 === 0 ? 'account' : 'opportunity', id: i % 2 === 0 ? accountId : qualified['opportunityId'] };
  const activity = {
    type: 'phone_call',
    subject: 'تماس پیگیری',
    regarding,
    assignee: { userId: 'sales-01' },
    dueAt: `${daysFromNow(2)}T10:00:00+03:30`,
  };
  const activityId = (await post('/activities', activity))['id'] as string;
  await post(`/activities/${activityId}/complete`, { outcome: 'مشتری راضی بود' });
  const occurredAt = new Date(Date.now() - 3_600_000).toISOString();
  await post('/interactions', { channel: 'phone', direction: 'inbound', regarding, summary: 'پیگیری سفارش', occurredAt });
}
