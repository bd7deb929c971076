import { randomBytes } from 'node:crypto';
import { SALES_PERSONAL_FIELDS } from '@crm/sales/domain';
import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { anEvent } from '@crm/shared/testing';
import { erasureOrder, findPersonRecords } from './person-records';

const TENANT = 'default';
const NAME = 'سارا کریمی';

/**
 * A lead qualified into a new contact and a new account named `accountName`; `captured` adds to its capture, `updated`
 * (when given) to an update before the qualification.
 */
async function qualifiedLead(accountName: string, captured: Record<string, unknown> = {}, updated?: Record<string, unknown>) {
  const keys = new DataKeys(new InMemoryKeyStore(), randomBytes(32));
  // Complaints seal their complainant as the service context does.
  const fields = { ...SALES_PERSONAL_FIELDS, ComplaintReceived: ['complainant.name', 'complainant.phone', 'complainant.email'] };
  const store = new PersonalDataEventStore(new InMemoryEventStore(), keys, fields);
  await store.appendToStream('lead-l1', [
    anEvent('LeadCaptured', { leadId: 'l1', fullName: NAME, ...captured }),
    ...(updated === undefined ? [] : [anEvent('LeadUpdated', { leadId: 'l1', changes: updated })]),
    anEvent('LeadQualified', {
      leadId: 'l1',
      contact: { contactId: 'c1', fullName: NAME },
      account: { accountId: 'a1', name: accountName },
    }),
  ]);
  await store.appendToStream('contact-c1', [anEvent('ContactCreated', { contactId: 'c1', fullName: NAME, originLeadId: 'l1' })]);
  await store.appendToStream('account-a1', [anEvent('AccountOpened', { accountId: 'a1', name: accountName })]);
  const destroy = (...refs: string[]) => Promise.all(refs.map((subjectRef) => keys.destroy({ tenantId: TENANT, subjectRef })));
  return { store, destroy };
}

describe("an erasure's records, found again by a retry after a crash part-way", () => {
  it('a company account is not the person’s, also once the lead’s and contact’s keys are gone', async () => {
    const { store, destroy } = await qualifiedLead('شرکت نوآوران پارس');
    const first = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect(first?.owned).toEqual(['lead-l1', 'contact-c1']);
    await destroy(...erasureOrder(first!));
    // The lead's event now reads both names as ERASED: equal, yet the company's account keeps its name in clear.
    expect((await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' }))?.owned).toEqual(['lead-l1', 'contact-c1']);
  });

  it('an account named after the person is theirs; its key goes before the lead’s, so a retry still finds it', async () => {
    const { store, destroy } = await qualifiedLead(NAME);
    const first = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect(first?.owned).toEqual(['lead-l1', 'contact-c1', 'account-a1']);
    expect(erasureOrder(first!)).toEqual(['account-a1', 'lead-l1', 'contact-c1']);
    // A crash after the first two keys of that order.
    await destroy('account-a1', 'lead-l1');
    expect((await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' }))?.owned).toEqual(['lead-l1', 'contact-c1', 'account-a1']);
  });
});

describe("an erasure's second listing, after a qualification landed while it ran", () => {
  it('takes the account named after the person, whose key was made after the first listing, by its name among their values', async () => {
    const { store, destroy } = await qualifiedLead(NAME);
    // The erasure listed the lead alone, then destroyed the lead's key; the qualification (contact and account) landed
    // in between, so the account keeps a key of its own and the lead's record of it reads ERASED.
    await destroy('lead-l1', 'contact-c1');
    const missed = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect(missed?.owned).toEqual(['lead-l1', 'contact-c1']);
    const again = await findPersonRecords(
      store,
      TENANT,
      { type: 'lead', id: 'l1' },
      { values: new Set([NAME, '09121234567']), contactKeys: [], owned: [] },
    );
    expect(again?.owned).toEqual(['lead-l1', 'contact-c1', 'account-a1']);
    // A company's account is not taken by a name of theirs it does not bear.
    const company = await qualifiedLead('شرکت نوآوران پارس');
    await company.destroy('lead-l1', 'contact-c1');
    expect(
      (await findPersonRecords(company.store, TENANT, { type: 'lead', id: 'l1' }, { values: new Set([NAME]), contactKeys: [], owned: [] }))
        ?.owned,
    ).toEqual(['lead-l1', 'contact-c1']);
  });
});

describe("a company's account opened by the person's qualification (an outside probe: erased with them)", () => {
  const COMPANY = 'شرکت نوآوران پارس';

  it('is not theirs in the listing after the fence, though the lead’s company is among their values', async () => {
    const { store, destroy } = await qualifiedLead(COMPANY);
    const first = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect(first?.owned).toEqual(['lead-l1', 'contact-c1']);
    expect(first?.companyAccounts).toEqual(['account-a1']);
    await destroy(...erasureOrder(first!));
    // The values the erasure gathered hold the lead's company (sealed with the lead, as personal data), and the account's
    // own name reads in clear under its own key: only the first listing's judgement tells them apart.
    const again = await findPersonRecords(
      store,
      TENANT,
      { type: 'lead', id: 'l1' },
      { values: new Set([NAME, COMPANY]), contactKeys: [], owned: first!.owned, companyAccounts: first!.companyAccounts },
    );
    expect(again?.owned).toEqual(['lead-l1', 'contact-c1']);
    expect(again?.companyAccounts).toEqual(['account-a1']);
  });

  it('a listing that never read the names in clear takes an account bearing one of their names, not their company', async () => {
    // A qualification that landed after the first listing: no judgement to go by, the company among their values, and
    // their names kept apart from those values.
    const { store, destroy } = await qualifiedLead(COMPANY, { company: COMPANY });
    await destroy('lead-l1', 'contact-c1');
    const late = (names: ReadonlySet<string>) =>
      findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' }, { values: new Set([NAME, COMPANY]), contactKeys: [], owned: [], names });
    expect((await late(new Set([NAME])))?.owned).toEqual(['lead-l1', 'contact-c1']);
    // Named after them (in another spelling), it is theirs.
    const own = await qualifiedLead('سارا  كريمي');
    await own.destroy('lead-l1', 'contact-c1');
    expect(
      (
        await findPersonRecords(
          own.store,
          TENANT,
          { type: 'lead', id: 'l1' },
          { values: new Set([NAME]), contactKeys: [], owned: [], names: new Set([NAME]) },
        )
      )?.owned,
    ).toEqual(['lead-l1', 'contact-c1', 'account-a1']);
  });

  it('is theirs when it bears their name: a sole trader’s company, or an accountName in another spelling of it', async () => {
    // The company is the person's own name; the account named after it is theirs (an outside probe: kept in clear).
    const soleTrader = await qualifiedLead(NAME, { company: NAME });
    const first = await findPersonRecords(soleTrader.store, TENANT, { type: 'lead', id: 'l1' });
    expect(first?.owned).toEqual(['lead-l1', 'contact-c1', 'account-a1']);
    expect(first?.names).toEqual([NAME]);
    // Arabic ي and ك for Persian ی and ک, doubled spaces, another case: dedupe's spelling of one name.
    for (const spelling of ['سارا  كريمي', 'سارا كريمى']) {
      const variant = await qualifiedLead(spelling);
      expect([spelling, (await findPersonRecords(variant.store, TENANT, { type: 'lead', id: 'l1' }))?.owned]).toEqual([
        spelling,
        ['lead-l1', 'contact-c1', 'account-a1'],
      ]);
    }
  });
});

describe('records about the person', () => {
  it('are the complaints they filed and the calls logged about them or about those complaints', async () => {
    const { store } = await qualifiedLead('شرکت نوآوران پارس');
    await store.appendToStream('complaint-k1', [anEvent('ComplaintReceived', { complaintId: 'k1', complainant: { contactId: 'c1' } })]);
    await store.appendToStream('complaint-k2', [anEvent('ComplaintReceived', { complaintId: 'k2', complainant: { contactId: 'c2' } })]);
    const logged = (id: string, regarding: { type: string; id: string }) =>
      store.appendToStream(`interaction-${id}`, [anEvent('InteractionLogged', { interactionId: id, regarding })]);
    await logged('i1', { type: 'contact', id: 'c1' });
    await logged('i2', { type: 'complaint', id: 'k1' });
    await logged('i3', { type: 'complaint', id: 'k2' });
    await logged('i4', { type: 'account', id: 'a1' });
    const records = await findPersonRecords(store, TENANT, { type: 'contact', id: 'c1' });
    expect(records?.owned).toEqual(['contact-c1', 'lead-l1', 'complaint-k1', 'interaction-i1', 'interaction-i2']);
  });

  it('are also what someone else filed related to them or to a record of theirs (relatedTo)', async () => {
    const { store } = await qualifiedLead('شرکت نوآوران پارس');
    const stranger = { name: 'رضا' };
    await store.appendToStream('complaint-k3', [
      anEvent('ComplaintReceived', { complaintId: 'k3', complainant: stranger, relatedTo: { type: 'contact', id: 'c1' } }),
    ]);
    await store.appendToStream('feedback-f1', [
      anEvent('FeedbackSubmitted', { feedbackId: 'f1', from: stranger, relatedTo: { type: 'complaint', id: 'k3' } }),
    ]);
    const survey = 'survey-response-5d1c7a2e-8b3f-4e6a-9c0d-1f2e3a4b5c6d';
    await store.appendToStream(survey, [
      anEvent('SurveyResponseRecorded', { responseId: 's1', respondent: stranger, relatedTo: { type: 'lead', id: 'l1' } }),
    ]);
    await store.appendToStream('feedback-f2', [
      anEvent('FeedbackSubmitted', { feedbackId: 'f2', from: stranger, relatedTo: { type: 'contact', id: 'c9' } }),
    ]);
    const records = await findPersonRecords(store, TENANT, { type: 'contact', id: 'c1' });
    expect(records?.owned).toEqual(['contact-c1', 'lead-l1', 'complaint-k3', 'feedback-f1', survey]);
  });
});

describe('records of the person found through their account, deals and later leads', () => {
  it('takes the account named after them, its deals and quotes, what its account made and what is logged about any of them', async () => {
    const { store } = await qualifiedLead(NAME);
    await store.appendToStream('opportunity-o1', [anEvent('OpportunityOpened', { opportunityId: 'o1', accountId: 'a1' })]);
    await store.appendToStream('opportunity-o2', [anEvent('OpportunityOpened', { opportunityId: 'o2', accountId: 'a2' })]);
    await store.appendToStream('quote-q1', [anEvent('QuoteCreated', { quoteId: 'q1', opportunityId: 'o1' })]);
    await store.appendToStream('complaint-k1', [anEvent('ComplaintReceived', { complaintId: 'k1', complainant: { accountId: 'a1' } })]);
    const logged = (id: string, regarding: { type: string; id: string }) =>
      store.appendToStream(`interaction-${id}`, [anEvent('InteractionLogged', { interactionId: id, regarding })]);
    await logged('i1', { type: 'account', id: 'a1' });
    await logged('i2', { type: 'opportunity', id: 'o1' });
    await logged('i3', { type: 'quote', id: 'q1' });
    await logged('i4', { type: 'opportunity', id: 'o2' });
    const records = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect(records?.owned).toEqual([
      'lead-l1',
      'contact-c1',
      'account-a1',
      'opportunity-o1',
      'quote-q1',
      'complaint-k1',
      'interaction-i1',
      'interaction-i2',
      'interaction-i3',
    ]);
  });

  it('of a person on file only as an account: the account, its deals and quotes, what it made and what is logged about them; not the contacts of it', async () => {
    const keys = new DataKeys(new InMemoryKeyStore(), randomBytes(32));
    const store = new PersonalDataEventStore(new InMemoryEventStore(), keys, SALES_PERSONAL_FIELDS);
    await store.appendToStream('account-a9', [anEvent('AccountOpened', { accountId: 'a9', name: NAME, nationalId: '0012345679' })]);
    await store.appendToStream('contact-c9', [anEvent('ContactCreated', { contactId: 'c9', fullName: 'دیگری', accountId: 'a9' })]);
    await store.appendToStream('opportunity-o9', [anEvent('OpportunityOpened', { opportunityId: 'o9', accountId: 'a9' })]);
    await store.appendToStream('quote-q9', [anEvent('QuoteCreated', { quoteId: 'q9', opportunityId: 'o9' })]);
    await store.appendToStream('complaint-k9', [anEvent('ComplaintReceived', { complaintId: 'k9', complainant: { accountId: 'a9' } })]);
    await store.appendToStream('interaction-i9', [
      anEvent('InteractionLogged', { interactionId: 'i9', regarding: { type: 'account', id: 'a9' } }),
    ]);
    const records = await findPersonRecords(store, TENANT, { type: 'account', id: 'a9' });
    expect(records?.identities).toEqual([{ type: 'account', id: 'a9' }]);
    expect(records?.owned).toEqual(['account-a9', 'opportunity-o9', 'quote-q9', 'complaint-k9', 'interaction-i9']);
    expect(await findPersonRecords(store, TENANT, { type: 'account', id: 'a0' })).toBeUndefined();
  });

  it('links a lead qualified into a contact on file to that contact, both ways, and shows list changes with their ids only', async () => {
    const { store } = await qualifiedLead('شرکت نوآوران پارس');
    await store.appendToStream('lead-l2', [
      anEvent('LeadCaptured', { leadId: 'l2', fullName: NAME }),
      anEvent('LeadQualified', {
        leadId: 'l2',
        contact: { contactId: 'c1', existing: true, fullName: NAME },
        account: { accountId: 'a1', existing: true },
      }),
    ]);
    await store.appendToStream('marketing-list-m1', [
      anEvent('MarketingListMembersAdded', { listId: 'm1', memberIds: ['c9', 'c1', 'l7'] }),
    ]);
    for (const subject of [
      { type: 'contact', id: 'c1' },
      { type: 'lead', id: 'l2' },
    ] as const) {
      const records = await findPersonRecords(store, TENANT, subject);
      expect([...(records?.owned ?? [])].sort()).toEqual(['contact-c1', 'lead-l1', 'lead-l2']);
      expect(records?.mentions.map((event) => (event.data as { memberIds: string[] }).memberIds)).toEqual([['c1']]);
    }
  });
});

describe('records made by someone not on file with one of the person’s emails or phones', () => {
  const PHONE = '+989121234567';
  const SURVEY = 'survey-response-7e2a1c4b-3d5f-4a6b-8c9d-0e1f2a3b4c5d';
  const EMAIL = 'sara@example.com';
  const made = (store: PersonalDataEventStore, stream: string, type: string, field: string, party: object) =>
    store.appendToStream(stream, [anEvent(type, { [field]: party })]);
  const logged = (store: PersonalDataEventStore, id: string, regarding: { type: string; id: string }) =>
    store.appendToStream(`interaction-${id}`, [anEvent('InteractionLogged', { interactionId: id, regarding })]);

  async function personWithPhoneAndEmail() {
    const { store, destroy } = await qualifiedLead('شرکت نوآوران پارس');
    // The lead's phone moved later; the contact kept the email. Every key either held is theirs.
    await store.appendToStream('lead-l1', [
      anEvent('LeadUpdated', { leadId: 'l1', changes: { phone: '09121111111' }, matchKeys: ['phone:+989121111111'] }),
    ]);
    await store.appendToStream('lead-l0', [
      anEvent('LeadCaptured', { leadId: 'l0', fullName: 'دیگری', matchKeys: ['phone:+989120000000'] }),
    ]);
    await store.appendToStream('contact-c1', [
      anEvent('ContactUpdated', { contactId: 'c1', changes: { email: EMAIL }, matchKeys: [`email:${EMAIL}`, `phone:${PHONE}`] }),
    ]);
    await made(store, 'complaint-k1', 'ComplaintReceived', 'complainant', { name: 'سارا', phone: PHONE });
    await made(store, 'feedback-f1', 'FeedbackSubmitted', 'from', { name: 'س. کریمی', email: EMAIL });
    await made(store, SURVEY, 'SurveyResponseRecorded', 'respondent', { name: 'سارا', phone: '+989121111111' });
    // Someone else's phone, someone on file, someone with no phone or email: not theirs.
    await made(store, 'complaint-k2', 'ComplaintReceived', 'complainant', { name: 'سارا', phone: '+989120000000' });
    await made(store, 'complaint-k3', 'ComplaintReceived', 'complainant', { contactId: 'c9' });
    await made(store, 'complaint-k4', 'ComplaintReceived', 'complainant', { name: 'سارا کریمی' });
    await logged(store, 'i1', { type: 'complaint', id: 'k1' });
    await logged(store, 'i2', { type: 'complaint', id: 'k2' });
    return { store, destroy };
  }

  it('are theirs, as dedupe matches them, with the calls about them, asked for as the lead or as the contact', async () => {
    const { store } = await personWithPhoneAndEmail();
    for (const subject of [
      { type: 'lead', id: 'l1' },
      { type: 'contact', id: 'c1' },
    ] as const) {
      const records = await findPersonRecords(store, TENANT, subject);
      expect([...(records?.owned ?? [])].sort()).toEqual(
        ['lead-l1', 'contact-c1', 'complaint-k1', 'feedback-f1', SURVEY, 'interaction-i1'].sort(),
      );
    }
  });

  it('are theirs with the email’s domain in punycode or in Unicode, either way round', async () => {
    const { store } = await qualifiedLead('شرکت نوآوران پارس');
    await store.appendToStream('contact-c1', [
      anEvent('ContactUpdated', { contactId: 'c1', changes: {}, matchKeys: ['email:زهرا@مثال.ایران', 'email:z@xn--mgba3a4f16a.ir'] }),
    ]);
    await made(store, 'complaint-k1', 'ComplaintReceived', 'complainant', { name: 'زهرا', email: 'زهرا@xn--mgbh0fb.xn--mgba3a4f16a' });
    await made(store, 'complaint-k2', 'ComplaintReceived', 'complainant', { name: 'زهرا', email: 'z@ایران.ir' });
    await made(store, 'complaint-k3', 'ComplaintReceived', 'complainant', { name: 'زهرا', email: 'z@xn--mgba3a4f16a.com' });
    const records = await findPersonRecords(store, TENANT, { type: 'contact', id: 'c1' });
    expect(records?.owned).toEqual(['contact-c1', 'lead-l1', 'complaint-k1', 'complaint-k2']);
  });

  it("are found by an erasure's second listing with the keys of its first, once the person's own keys are gone", async () => {
    const { store, destroy } = await personWithPhoneAndEmail();
    const first = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect([...(first?.contactKeys ?? [])].sort()).toEqual([`email:${EMAIL}`, 'phone:+989121111111', `phone:${PHONE}`]);
    await destroy('lead-l1', 'contact-c1');
    const blind = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect(blind?.owned).toEqual(['lead-l1', 'contact-c1']);
    const again = await findPersonRecords(
      store,
      TENANT,
      { type: 'lead', id: 'l1' },
      { values: new Set(), contactKeys: first!.contactKeys, owned: [] },
    );
    expect(again?.owned).toEqual(first?.owned);
  });

  it('are found by a second listing with the records of the first, once their own keys are gone: a call logged about one meanwhile too', async () => {
    const { store, destroy } = await personWithPhoneAndEmail();
    const first = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' });
    expect(first?.owned).toContain('complaint-k1');
    // The erasure destroyed the complaint's key first (its phone reads [erased] now), then a call about it was logged.
    await destroy('complaint-k1', 'lead-l1', 'contact-c1');
    await logged(store, 'i9', { type: 'complaint', id: 'k1' });
    const earlier = { values: new Set<string>(), contactKeys: first!.contactKeys };
    expect((await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' }, { ...earlier, owned: [] }))?.owned).not.toContain(
      'interaction-i9',
    );
    const again = await findPersonRecords(store, TENANT, { type: 'lead', id: 'l1' }, { ...earlier, owned: first!.owned });
    expect(again?.owned).toContain('interaction-i9');
    // Named by a record: the same.
    const named = await findPersonRecords(store, TENANT, { type: 'complaint', id: 'k2' });
    await destroy('complaint-k2');
    await logged(store, 'i8', { type: 'complaint', id: 'k2' });
    expect(
      (
        await findPersonRecords(
          store,
          TENANT,
          { type: 'complaint', id: 'k2' },
          { ...earlier, contactKeys: named!.contactKeys, owned: named!.owned },
        )
      )?.owned,
    ).toContain('interaction-i8');
  });

  it('named by one record they made, are the others made with its email or phone, and the calls about those', async () => {
    const { store } = await personWithPhoneAndEmail();
    await made(store, 'feedback-f2', 'FeedbackSubmitted', 'from', { name: 'رضا', phone: '+989120000000', email: 'reza@example.com' });
    await made(store, 'complaint-k5', 'ComplaintReceived', 'complainant', { name: 'رضا', email: 'reza@example.com' });
    await logged(store, 'i5', { type: 'complaint', id: 'k5' });
    const byPhone = await findPersonRecords(store, TENANT, { type: 'complaint', id: 'k2' });
    // Not from one record to the next: k5 shares an email with f2, not a key with k2.
    expect(byPhone?.owned).toEqual(['complaint-k2', 'interaction-i2', 'feedback-f2']);
    // A lead with that phone is on file, and stays: naming a record names its maker's records, not a lead.
    expect(byPhone?.identities).toEqual([{ type: 'complaint', id: 'k2' }]);
    expect((await findPersonRecords(store, TENANT, { type: 'complaint', id: 'k5' }))?.owned).toEqual([
      'complaint-k5',
      'feedback-f2',
      'interaction-i5',
    ]);
    // No email or phone: only the record itself.
    expect((await findPersonRecords(store, TENANT, { type: 'complaint', id: 'k4' }))?.owned).toEqual(['complaint-k4']);
  });
});
