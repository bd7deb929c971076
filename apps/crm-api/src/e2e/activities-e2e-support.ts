import type { TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

/** The records activities are about, made through the sales routes as a client would. */
export interface Customer {
  readonly accountId: string;
  readonly contactId: string;
  readonly opportunityId: string;
}

export async function openCustomer(server: () => TestApp): Promise<Customer> {
  const { post } = salesClient(server);
  const account = await post('/accounts', { name: 'شرکت فولاد مبارکه', industry: 'فولاد' });
  const accountId = account.body['id'] as string;
  const contact = await post('/contacts', { fullName: 'مریم احمدی', phone: '۰۹۱۲۱۲۳۴۵۶۷', accountId });
  const opportunity = await post('/opportunities', {
    accountId,
    name: 'ورق فولادی خط دوم',
    need: 'ورق گرم‌نورد ماهانه',
    amount: { amount: 1_200_000_000 },
    expectedCloseDate: daysFromNow(60),
  });
  if (account.status !== 201 || contact.status !== 201 || opportunity.status !== 201) {
    throw new Error(`could not set up the customer: ${JSON.stringify([account.body, contact.body, opportunity.body])}`);
  }
  return { accountId, contactId: contact.body['id'] as string, opportunityId: opportunity.body['id'] as string };
}

/** A weekly follow-up call about the pre-invoice, four times from Monday 3 March 2025, 10:00 Tehran. */
export function weeklyFollowUp(opportunityId: string): Record<string, unknown> {
  return {
    type: 'phone_call',
    subject: 'تماس پیگیری پیش‌فاکتور',
    description: 'پیگیری تأیید پیش‌فاکتور و زمان تحویل',
    regarding: { type: 'opportunity', id: opportunityId },
    assignee: { userId: 'user-7' },
    dueAt: '2025-03-03T10:00:00+03:30',
    durationMinutes: 15,
    recurrence: { frequency: 'weekly', interval: 1, count: 4 },
  };
}

export function appointment(accountId: string): Record<string, unknown> {
  return {
    type: 'appointment',
    subject: 'جلسه حضوری بررسی قرارداد',
    regarding: { type: 'account', id: accountId },
    assignee: { userId: 'user-7' },
    dueAt: '2025-03-05T11:00:00+03:30',
    durationMinutes: 90,
  };
}

export function phoneCall(contactId: string): Record<string, unknown> {
  return {
    channel: 'phone',
    direction: 'inbound',
    regarding: { type: 'contact', id: contactId },
    summary: 'مشتری درباره زمان تحویل پرسید',
    occurredAt: '2025-03-03T10:30:00+03:30',
    durationSeconds: 240,
  };
}
