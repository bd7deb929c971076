import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { changedFields, compact, isEmpty, matchKey, money, present, NOT_FOUND } from '@crm/shared/kernel';
import { contactPoints, matchKeysOf, withDerivedKeys } from '../common/contact-points';
import type { CaptureLead, DisqualifyReason, LeadCommand, LeadSource, QualifyLead, UpdateLead } from './lead.commands';
import type { LeadEvent } from './lead.events';
import { LEAD_REFUSALS } from './lead.refusals';
import { assertSomethingToUpdate } from '../common/nothing-to-update';

export interface LeadProfile {
  readonly leadId: string;
  readonly fullName: string;
  readonly nameKey: string;
  readonly source: LeadSource;
  readonly email?: string;
  readonly normalizedEmail?: string;
  readonly phone?: string;
  readonly phoneE164?: string;
  readonly matchKeys: readonly string[];
  readonly company?: string;
  readonly interest?: string;
  readonly campaignId?: string;
  readonly ownerId?: string;
}

export type LeadState =
  | { readonly status: 'none' }
  | { readonly status: 'open'; readonly lead: LeadProfile }
  | {
      readonly status: 'qualified';
      readonly lead: LeadProfile;
      readonly contactId: string;
      readonly accountId: string;
      readonly opportunityId: string;
    }
  | { readonly status: 'disqualified'; readonly lead: LeadProfile; readonly reason: DisqualifyReason };

type ExistingLead = Exclude<LeadState, { status: 'none' }>;

function existing(state: LeadState): ExistingLead {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.lead, 'No such lead');
  return state;
}

function open(state: LeadState): LeadProfile {
  const lead = existing(state);
  if (lead.status !== 'open') {
    throw new DomainError(LEAD_REFUSALS.CLOSED, `Lead is ${lead.status}`, { leadId: lead.lead.leadId, status: lead.status });
  }
  return lead.lead;
}

function capture({ data }: CaptureLead, state: LeadState): LeadEvent[] {
  if (state.status !== 'none') throw new DomainError(LEAD_REFUSALS.ALREADY_EXISTS, 'Lead already captured', { leadId: data.leadId });
  const fullName = present(data.fullName);
  if (fullName === undefined) throw new DomainError(LEAD_REFUSALS.NAME_REQUIRED, 'A lead needs a name', { fields: ['fullName'] });
  const points = contactPoints(data);
  if (points.email === undefined && points.phone === undefined) {
    throw new DomainError(LEAD_REFUSALS.CONTACT_POINT_REQUIRED, 'A lead needs an email or a phone number', { fields: ['email', 'phone'] });
  }
  if (data.duplicateOfLeadId !== undefined && data.allowDuplicate !== true) {
    throw new DomainError(LEAD_REFUSALS.DUPLICATE, 'An open lead with the same email or phone exists', {
      existingLeadId: data.duplicateOfLeadId,
    });
  }
  return [
    {
      type: 'LeadCaptured',
      data: compact({
        leadId: data.leadId,
        fullName,
        nameKey: matchKey(fullName),
        source: data.source,
        ...points,
        matchKeys: matchKeysOf(points),
        company: present(data.company),
        interest: present(data.interest),
        campaignId: data.campaignId,
        ownerId: data.ownerId,
        duplicateOfLeadId: data.duplicateOfLeadId,
        capturedAt: data.capturedAt,
      }),
    },
  ];
}

function update({ data }: UpdateLead, lead: LeadProfile): LeadEvent[] {
  const changed = changedFields(lead, {
    fullName: present(data.fullName),
    company: present(data.company),
    email: present(data.email),
    phone: present(data.phone),
    interest: present(data.interest),
  });
  if (isEmpty(changed)) return [];
  const { changes, matchKeys } = withDerivedKeys(lead, changed);
  return [{ type: 'LeadUpdated', data: compact({ leadId: lead.leadId, changes, matchKeys, updatedAt: data.updatedAt }) }];
}

function qualify({ data }: QualifyLead, state: LeadState): LeadEvent[] {
  const current = existing(state);
  if (current.status === 'qualified') {
    throw new DomainError(LEAD_REFUSALS.ALREADY_QUALIFIED, 'Lead is already qualified', { opportunityId: current.opportunityId });
  }
  const lead = open(state);
  const estimatedValue = money(data.opportunity.estimatedValue.amount, data.opportunity.estimatedValue.currency);
  if (estimatedValue.amount < 0)
    throw new DomainError(LEAD_REFUSALS.INVALID_ESTIMATE, 'Estimated value cannot be negative', {
      fields: ['opportunity.estimatedValue.amount'],
    });
  const existingAccount = data.existingAccount === true;
  return [
    {
      type: 'LeadQualified',
      data: compact({
        leadId: lead.leadId,
        source: lead.source,
        campaignId: lead.campaignId,
        ownerId: lead.ownerId,
        contact: compact({
          contactId: data.contactId,
          existing: data.existingContact === true,
          fullName: lead.fullName,
          email: lead.email,
          phone: lead.phone,
        }),
        account: compact({
          accountId: data.accountId,
          existing: existingAccount,
          name: existingAccount ? undefined : (present(data.accountName) ?? lead.company ?? lead.fullName),
        }),
        opportunity: {
          opportunityId: data.opportunityId,
          name: data.opportunity.name,
          // Not the lead's interest: that is sealed with the lead (personal), the deal is a business record kept in clear
          need: present(data.opportunity.need) ?? data.opportunity.name,
          estimatedValue,
          expectedCloseDate: data.opportunity.expectedCloseDate,
        },
        qualifiedAt: data.qualifiedAt,
      }),
    },
  ];
}

export function decideLead(command: LeadCommand, state: LeadState): LeadEvent[] {
  switch (command.type) {
    case 'CaptureLead':
      return capture(command, state);
    case 'UpdateLead':
      assertSomethingToUpdate(command.data, ['fullName', 'company', 'email', 'phone', 'interest'], LEAD_REFUSALS.NOTHING_TO_UPDATE);
      return update(command, open(state));
    case 'AssignLead': {
      const lead = open(state);
      if (lead.ownerId === command.data.ownerId) return [];
      const { ownerId, assignedAt } = command.data;
      return [{ type: 'LeadAssigned', data: compact({ leadId: lead.leadId, ownerId, previousOwnerId: lead.ownerId, assignedAt }) }];
    }
    case 'QualifyLead':
      return qualify(command, state);
    case 'DisqualifyLead': {
      const lead = open(state);
      const { reason, note, disqualifiedAt } = command.data;
      return [{ type: 'LeadDisqualified', data: compact({ leadId: lead.leadId, reason, note: present(note), disqualifiedAt }) }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveLead(state: LeadState, event: LeadEvent): LeadState {
  switch (event.type) {
    case 'LeadCaptured': {
      const { capturedAt: _at, duplicateOfLeadId: _dup, ...lead } = event.data;
      return { status: 'open', lead };
    }
    case 'LeadUpdated':
      if (state.status !== 'open') return state;
      return { status: 'open', lead: { ...state.lead, ...event.data.changes, matchKeys: event.data.matchKeys ?? state.lead.matchKeys } };
    case 'LeadAssigned':
      if (state.status !== 'open') return state;
      return { status: 'open', lead: { ...state.lead, ownerId: event.data.ownerId } };
    case 'LeadQualified':
      if (state.status !== 'open') return state;
      return {
        status: 'qualified',
        lead: state.lead,
        contactId: event.data.contact.contactId,
        accountId: event.data.account.accountId,
        opportunityId: event.data.opportunity.opportunityId,
      };
    case 'LeadDisqualified':
      if (state.status !== 'open') return state;
      return { status: 'disqualified', lead: state.lead, reason: event.data.reason };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const leadDecider: Decider<LeadState, LeadCommand, LeadEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideLead,
  evolve: evolveLead,
  isNew: (command) => command.type === 'CaptureLead',
  existence: { notFound: NOT_FOUND.lead, alreadyExists: LEAD_REFUSALS.ALREADY_EXISTS },
  refusals: LEAD_REFUSALS,
};
