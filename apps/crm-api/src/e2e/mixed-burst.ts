import { http, type HttpReply } from '../testing/test-app';
import { campaignBurst } from './campaign-views-burst';
import { daysFromNow } from './sales-e2e-support';

type Reply = Record<string, unknown>;

/**
 * A realistic working day fired at the API at once: leads worked and
 * qualified or dropped, deals through their stages to an accepted or
 * rejected quote, customers buying and leaving, complaints through ISO
 * 10002 handling (escalated, withdrawn, reopened, rated), feedback and
 * surveys. Each business flow is sequential, the flows run concurrently.
 * Every command must succeed: a refusal here is a broken flow, not noise.
 */
export async function mixedBurst(base: string): Promise<{ readonly commands: number }> {
  let commands = 0;
  const post = async (path: string, body: unknown = {}, actor = 'sales-01'): Promise<Reply> => {
    const reply: HttpReply = await http(base, 'POST', `/api/v1${path}`, body, { 'x-on-behalf-of': actor });
    commands += 1;
    if (reply.status >= 300) throw new Error(`POST ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const money = (amount: number) => ({ amount, currency: 'IRR' });
  const contacts: string[] = [];

  const customerLife = async (accountId: string, i: number, purchases: number) => {
    for (let p = 0; p < purchases; p += 1) {
      const occurredAt = new Date(Date.UTC(2025, p * 2, 1 + (i % 27), 8, 30)).toISOString();
      await post(
        `/accounts/${accountId}/purchases`,
        { amount: money((p + 1) * 15_000_000), occurredAt, externalRef: `INV-${i}-${p}` },
        'erp',
      );
    }
    if (i % 4 === 0) await post(`/accounts/${accountId}/close`, { reason: 'همکاری متوقف شد' });
  };

  const deal = async (opportunityId: string, accountId: string, i: number) => {
    await post(`/opportunities/${opportunityId}/propose-solution`, { solution: 'تحویل ماهانه با حمل' });
    const stages = ['needs_analysis', 'proposal', 'negotiation'].slice(0, 1 + (i % 3));
    for (const stage of stages) await post(`/opportunities/${opportunityId}/move-stage`, { stage });
    if (i % 2 === 0) await post(`/opportunities/${opportunityId}/revise-estimate`, { amount: money(900_000_000 + i * 1_000_000) });
    if (stages.length < 2) {
      await post(`/opportunities/${opportunityId}/lose`, { reason: 'قیمت رقیب پایین‌تر بود' });
      if (i % 5 === 0) await post(`/opportunities/${opportunityId}/reopen`, { reason: 'مشتری دوباره تماس گرفت' });
      return;
    }
    const lines = [
      { description: 'ورق فولادی، تن', quantity: 2.5 + (i % 4), unitPrice: money(400_000_000), discountPercent: (i % 3) * 5 },
      { description: 'حمل', quantity: 1, unitPrice: money(50_000_000) },
    ];
    const quote = await post('/quotes', { opportunityId, lines, validUntil: daysFromNow(30) });
    const quoteId = quote['id'] as string;
    await post(`/quotes/${quoteId}/issue`);
    if (i % 4 === 1) {
      await post(`/quotes/${quoteId}/reject`, { reason: 'قیمت بالاست' });
      await post(`/opportunities/${opportunityId}/lose`, { reason: 'پیش‌فاکتور رد شد' });
      return;
    }
    await post(`/quotes/${quoteId}/accept`); // wins the deal through the acceptance policy
    await customerLife(accountId, i, 1 + (i % 4));
  };

  const lead = async (i: number) => {
    const created = await post('/leads', {
      fullName: `مشتری شماره ${i}`,
      source: ['web', 'phone', 'referral', 'event'][i % 4],
      phone: `0912${String(7_000_000 + i).padStart(7, '0')}`,
      ...(i % 2 === 0 ? { email: `lead${i}@example.ir` } : {}),
      company: i % 3 === 0 ? undefined : `شرکت نمونه ${i}`,
      interest: 'ورق فولادی گرم‌نورد',
    });
    const leadId = created['id'] as string;
    if (i % 2 === 0) await post(`/leads/${leadId}/assign`, { ownerId: `sales-0${1 + (i % 4)}` });
    if (i % 5 === 0) await post(`/leads/${leadId}/update`, { interest: 'قرارداد نگهداری سالانه' });
    if (i % 3 === 2) {
      await post(`/leads/${leadId}/disqualify`, { reason: 'no_budget' });
      return;
    }
    const opportunity = {
      name: `فرصت ${i}`,
      estimatedValue: { amount: 1_000_000_000 + i * 10_000_000 },
      expectedCloseDate: daysFromNow(60),
    };
    const qualified = await post(`/leads/${leadId}/qualify`, { opportunity });
    contacts.push(qualified['contactId'] as string);
    await deal(qualified['opportunityId'] as string, qualified['accountId'] as string, i);
  };

  const directAccount = async (i: number) => {
    const account = await post('/accounts', { name: `بازرگانی آریا ${i}`, industry: 'فولاد' });
    const accountId = account['id'] as string;
    const contact = await post('/contacts', {
      fullName: `نماینده ${i}`,
      phone: `0935${String(1_000_000 + i).padStart(7, '0')}`,
      accountId,
    });
    await post(`/contacts/${contact['id'] as string}/consent`, { channel: 'sms', granted: true });
    contacts.push(contact['id'] as string);
    const opened = await post('/opportunities', {
      accountId,
      name: `قرارداد ${i}`,
      need: 'تجهیزات آزمایشگاهی',
      amount: money(500_000_000),
      expectedCloseDate: daysFromNow(45),
    });
    const opportunityId = opened['id'] as string;
    if (i % 2 === 0) {
      await post(`/opportunities/${opportunityId}/win`, { amount: money(480_000_000) });
      await customerLife(accountId, 100 + i, 2);
    } else await post(`/opportunities/${opportunityId}/lose`, { reason: 'بودجه مشتری حذف شد' });
    return accountId;
  };

  const complaint = async (i: number) => {
    const agent = `agent-1${i % 3}`;
    const complainant =
      i % 3 === 0 && contacts.length > 0
        ? { contactId: contacts[i % contacts.length] }
        : { name: `شاکی ${i}`, phone: `0919${String(2_000_000 + i).padStart(7, '0')}` };
    const body = { complainant, channel: ['phone', 'web', 'email'][i % 3], category: 'کیفیت کالا', description: 'کالای تحویلی معیوب بود' };
    const id = (await post('/complaints', body, agent))['id'] as string;
    const step = (command: string, payload: unknown = {}) => post(`/complaints/${id}/${command}`, payload, agent);
    await step('acknowledge', { message: 'شکایت شما ثبت شد' });
    if (i % 7 === 3) {
      await step('close', { outcome: 'withdrawn' });
      return;
    }
    await step('assess', { severity: ['low', 'medium', 'high', 'critical'][i % 4] });
    await step('assign', { assignee: i % 2 ? { teamId: 'team-service-tehran' } : { userId: agent } });
    await step('investigation-notes', { note: 'با واحد انبار تماس گرفته شد' });
    if (i % 4 === 0) await step('escalate', { toLevel: 'head_office', reason: 'نیاز به تأیید دفتر مرکزی' });
    const settle = async (outcome: string) => {
      await step('respond', { response: 'کالا تعویض می‌شود' });
      await step('communicate-decision', { decision: 'تعویض کالا', channel: 'sms' });
      await step('close', { outcome });
    };
    await settle(i % 5 === 0 ? 'unresolved' : 'resolved');
    if (i % 6 === 1) {
      await step('reopen', { reason: 'مشکل دوباره تکرار شد' });
      await settle('resolved');
    }
    if (i % 2 === 0) await step('satisfaction', { score: 1 + (i % 5) });
  };

  const voice = async (i: number) => {
    const respondent =
      i % 2 === 0 && contacts.length > 0
        ? { contactId: contacts[i % contacts.length] }
        : { name: `پاسخ‌دهنده ${i}`, email: `r${i}@example.ir` };
    const five = { tangibles: 6, reliability: 7, responsiveness: 5, assurance: 6, empathy: 7 };
    const answers = [
      { score: 1 + (i % 5) },
      { score: i % 11 },
      { score: 1 + (i % 7) },
      { expectations: five, perceptions: { ...five, empathy: 1 + (i % 7) } },
    ];
    await post(
      '/surveys/responses',
      { surveyType: ['csat', 'nps', 'ces', 'servqual'][i % 4], respondent, answers: answers[i % 4] },
      'web-form',
    );
    if (i % 3 === 0)
      await post(
        '/feedback',
        { from: respondent, kind: ['opinion', 'idea', 'praise'][i % 3], text: 'برخورد کارشناس عالی بود', channel: 'web' },
        'web-form',
      );
  };

  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  // Customers first, briefly, so some complaints and surveys can name a known contact.
  const accounts = await Promise.all(range(4).map((i) => directAccount(1000 + i)));
  await Promise.all([
    ...range(30).map(lead),
    ...range(8).map(directAccount),
    ...range(24).map(complaint),
    ...range(30).map(voice),
    ...range(6).map((i) => campaignBurst(post, i, contacts.slice(0, 4), accounts[i % accounts.length] as string)),
  ]);
  return { commands };
}
