import { DISQUALIFY_REASONS, LEAD_SOURCES } from '@crm/sales/domain';
import { legalIdCheckDigit } from '@crm/shared/kernel';
import { customerLife, dealJourney } from './deal-scenarios';
import { after, asReaction, dateAfter, DAY, HOUR, SALES_REPS, type Scenario, type ScenarioContext, SYSTEM, WEB } from './scenario';
import { account, contact, deal, lead, MILLION } from './sales-steps';
import { COMPANIES, FIRST_NAMES, INDUSTRIES, iranianMobile, LAST_NAMES, NEEDS, personName } from './vocabulary';

/** Web form or call centre → worked → qualified (contact, account, deal) or disqualified, or still open. */
export function* leadJourney(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const leadId = ctx.id('lead');
  const n = ctx.serial();
  const fullName = personName(random.pick(FIRST_NAMES), random.pick(LAST_NAMES));
  const company = random.chance(0.7) ? random.pick(COMPANIES) : undefined;
  const interest = random.pick(NEEDS);
  const rep = random.pick(SALES_REPS);
  const source = random.pick(LEAD_SOURCES);
  const phone = random.chance(0.8) ? iranianMobile(n, random.chance(0.4)) : undefined;
  const email = phone === undefined || random.chance(0.4) ? `lead${n}@example.ir` : undefined;
  yield after(0, (capturedAt) => {
    // Chosen when captured, among the campaigns running then; no draw from the random stream, so other journeys stay as they were.
    const campaignId = source === 'campaign' ? ctx.campaigns[n % Math.max(1, ctx.campaigns.length)] : undefined;
    return lead(
      leadId,
      { type: 'CaptureLead', data: { leadId, fullName, source, phone, email, company, interest, campaignId, capturedAt } },
      source === 'web' ? WEB : rep,
    );
  });
  if (random.chance(0.6)) {
    yield after(random.int(10, 8 * HOUR), (assignedAt) =>
      lead(leadId, { type: 'AssignLead', data: { leadId, ownerId: rep.id, assignedAt } }, rep),
    );
  }
  if (random.chance(0.2)) {
    const update = { interest: random.pick(NEEDS), company: random.pick(COMPANIES) };
    yield after(random.int(HOUR, 3 * DAY), (updatedAt) =>
      lead(leadId, { type: 'UpdateLead', data: { leadId, ...update, updatedAt } }, rep),
    );
  }
  const outcome = random.weighted({ qualify: 45, disqualify: 35, open: 20 });
  if (outcome === 'open') return;
  if (outcome === 'disqualify') {
    const reason = random.pick(DISQUALIFY_REASONS);
    yield after(random.int(HOUR, 10 * DAY), (disqualifiedAt) =>
      lead(leadId, { type: 'DisqualifyLead', data: { leadId, reason, disqualifiedAt } }, rep),
    );
    return;
  }
  const [contactId, accountId, opportunityId] = [ctx.id('contact'), ctx.id('account'), ctx.id('opportunity')];
  const estimate = random.int(5, 2000) * MILLION;
  const closeInDays = random.int(30, 120);
  let qualifiedAt = '';
  yield after(random.int(HOUR, 14 * DAY), (at) => {
    qualifiedAt = at;
    const opportunity = {
      name: `${interest} — ${company ?? fullName}`,
      estimatedValue: { amount: estimate, currency: 'IRR' },
      expectedCloseDate: dateAfter(at, closeInDays),
    };
    return lead(leadId, { type: 'QualifyLead', data: { leadId, contactId, accountId, opportunityId, opportunity, qualifiedAt: at } }, rep);
  });
  // The qualification process manager: account, contact and deal with the ids the lead chose.
  yield after(0, (openedAt) => {
    ctx.people.accounts.push(accountId);
    const data = { accountId, name: company ?? fullName, ownerId: rep.id, originLeadId: leadId, openedAt };
    return asReaction(account(accountId, { type: 'OpenAccount', data }, SYSTEM), 'LeadQualified', 'open-account');
  });
  yield after(0, (createdAt) => {
    ctx.people.contacts.push(contactId);
    return asReaction(
      contact(
        contactId,
        { type: 'CreateContact', data: { contactId, fullName, email, phone, accountId, originLeadId: leadId, createdAt } },
        SYSTEM,
      ),
      'LeadQualified',
      'create-contact',
    );
  });
  yield after(0, () => {
    ctx.people.opportunities.push(opportunityId);
    const data = {
      opportunityId,
      accountId,
      contactId,
      name: `${interest} — ${company ?? fullName}`,
      need: interest,
      amount: { amount: estimate, currency: 'IRR' },
      expectedCloseDate: dateAfter(qualifiedAt, closeInDays),
      ownerId: rep.id,
      originLeadId: leadId,
      openedAt: qualifiedAt,
    };
    return asReaction(deal(opportunityId, { type: 'OpenOpportunity', data }, SYSTEM), 'LeadQualified', 'open-opportunity');
  });
  if (random.chance(0.5)) {
    yield after(random.int(HOUR, 5 * DAY), (at) =>
      contact(
        contactId,
        {
          type: 'RecordConsent',
          data: { contactId, channel: random.pick(['sms', 'email'] as const), granted: true, at, source: 'web-form' },
        },
        rep,
      ),
    );
  }
  yield* dealJourney(ctx, { opportunityId, accountId, estimate, rep });
}

export function* directAccount(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const [accountId, contactId] = [ctx.id('account'), ctx.id('contact')];
  const rep = random.pick(SALES_REPS);
  const name = `${random.pick(COMPANIES)} ${ctx.serial()}`;
  // A legal entity's شناسه ملی: ten digits and their check digit. Each seed (up to 800) has ids of its own, so that
  // seeds added to one tenant give no two accounts one id (one account per national id); seed 1's are as they were.
  const first10 = String(1_012_300_000 + ((((ctx.seed - 1) % 800) + 800) % 800) * 10_000_000 + ctx.serial());
  const nationalId = `${first10}${legalIdCheckDigit(first10)}`;
  yield after(0, (openedAt) => {
    ctx.people.accounts.push(accountId);
    return account(
      accountId,
      { type: 'OpenAccount', data: { accountId, name, nationalId, industry: random.pick(INDUSTRIES), ownerId: rep.id, openedAt } },
      rep,
    );
  });
  const n = ctx.serial();
  const fullName = personName(random.pick(FIRST_NAMES), random.pick(LAST_NAMES));
  yield after(random.int(1, HOUR), (createdAt) => {
    ctx.people.contacts.push(contactId);
    return contact(
      contactId,
      {
        type: 'CreateContact',
        data: { contactId, fullName, phone: iranianMobile(n, false), accountId, preferredChannel: 'phone', createdAt },
      },
      rep,
    );
  });
  if (random.chance(0.6)) {
    const opportunityId = ctx.id('opportunity');
    const estimate = random.int(10, 3000) * MILLION;
    yield after(random.int(HOUR, 10 * DAY), (openedAt) => {
      ctx.people.opportunities.push(opportunityId);
      return deal(
        opportunityId,
        {
          type: 'OpenOpportunity',
          data: {
            opportunityId,
            accountId,
            contactId,
            name: `${random.pick(NEEDS)} — ${name}`,
            need: random.pick(NEEDS),
            amount: { amount: estimate, currency: 'IRR' },
            expectedCloseDate: dateAfter(openedAt, 90),
            ownerId: rep.id,
            openedAt,
          },
        },
        rep,
      );
    });
    yield* dealJourney(ctx, { opportunityId, accountId, estimate, rep });
  } else {
    yield* customerLife(ctx, accountId, random.int(1, 100) * MILLION);
  }
}
