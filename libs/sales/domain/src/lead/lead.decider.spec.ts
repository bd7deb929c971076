import { foldEvents } from '@crm/shared/event-sourcing';
import { InvalidValueError, money } from '@crm/shared/kernel';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import { contactMatchKeys } from '../common/contact-points';
import type { CaptureLead, LeadCommand } from './lead.commands';
import { leadDecider } from './lead.decider';
import type { LeadCaptured, LeadEvent } from './lead.events';

const spec = deciderSpec(leadDecider);
const leadId = 'lead-1';
const at = '2025-03-01T09:30:00+03:30';

const capture: CaptureLead = {
  type: 'CaptureLead',
  data: {
    leadId,
    fullName: 'مریم احمدی',
    source: 'web',
    email: ' Maryam.Ahmadi@Example.COM ',
    phone: '۰۹۱۲۳۴۵۶۷۸۹',
    company: 'شرکت فولاد مبارکه',
    interest: 'نرم‌افزار انبارداری',
    campaignId: 'camp-1',
    capturedAt: at,
  },
};

const captured: LeadCaptured = {
  type: 'LeadCaptured',
  data: {
    leadId,
    fullName: 'مریم احمدی',
    nameKey: 'مریماحمدی',
    source: 'web',
    email: 'Maryam.Ahmadi@Example.COM',
    normalizedEmail: 'maryam.ahmadi@example.com',
    phone: '۰۹۱۲۳۴۵۶۷۸۹',
    phoneE164: '+989123456789',
    matchKeys: ['email:maryam.ahmadi@example.com', 'phone:+989123456789'],
    company: 'شرکت فولاد مبارکه',
    interest: 'نرم‌افزار انبارداری',
    campaignId: 'camp-1',
    capturedAt: at,
  },
};

const assigned: LeadEvent = { type: 'LeadAssigned', data: { leadId, ownerId: 'user-7', assignedAt: at } };
const disqualified: LeadEvent = { type: 'LeadDisqualified', data: { leadId, reason: 'no_budget', disqualifiedAt: at } };

const qualify: LeadCommand = {
  type: 'QualifyLead',
  data: {
    leadId,
    contactId: 'contact-1',
    accountId: 'account-1',
    opportunityId: 'opp-1',
    opportunity: { name: 'انبارداری فولاد', estimatedValue: money(1_250_000_000), expectedCloseDate: '2025-06-30' },
    qualifiedAt: at,
  },
};

const qualified: LeadEvent = {
  type: 'LeadQualified',
  data: {
    leadId,
    source: 'web',
    campaignId: 'camp-1',
    contact: { contactId: 'contact-1', existing: false, fullName: 'مریم احمدی', email: 'Maryam.Ahmadi@Example.COM', phone: '۰۹۱۲۳۴۵۶۷۸۹' },
    account: { accountId: 'account-1', existing: false, name: 'شرکت فولاد مبارکه' },
    opportunity: {
      opportunityId: 'opp-1',
      name: 'انبارداری فولاد',
      // Not the lead's interest ('نرم‌افزار انبارداری', sealed with the lead): the deal, kept in clear, is named by itself.
      need: 'انبارداری فولاد',
      estimatedValue: { amount: 1_250_000_000, currency: 'IRR' },
      expectedCloseDate: '2025-06-30',
    },
    qualifiedAt: at,
  },
};

describe('lead decider', () => {
  describe('CaptureLead', () => {
    it('keeps Persian text as typed and normalises email, phone and match keys', () => {
      spec.given([]).when(capture).then([captured]);
    });

    it('folds Arabic letters into the name key but stores the name as typed', () => {
      const events = leadDecider.decide({ ...capture, data: { ...capture.data, fullName: 'مريم احمدي' } }, leadDecider.initialState());
      expect(events[0]?.data).toMatchObject({ fullName: 'مريم احمدي', nameKey: 'مریماحمدی' });
    });

    it('accepts a phone number alone', () => {
      spec
        .given([])
        .when({ type: 'CaptureLead', data: { leadId, fullName: 'علی رضایی', source: 'phone', phone: '+98 912 345 6789', capturedAt: at } })
        .then([
          {
            type: 'LeadCaptured',
            data: {
              leadId,
              fullName: 'علی رضایی',
              nameKey: 'علیرضایی',
              source: 'phone',
              phone: '+98 912 345 6789',
              phoneE164: '+989123456789',
              matchKeys: ['phone:+989123456789'],
              capturedAt: at,
            },
          },
        ]);
    });

    it('computes the same match keys the application looks up', () => {
      expect(contactMatchKeys({ email: 'MARYAM.AHMADI@example.com', phone: '00989123456789' })).toEqual(captured.data.matchKeys);
    });

    it('refuses a duplicate of an open lead, naming it', () => {
      spec
        .given([])
        .when({ ...capture, data: { ...capture.data, duplicateOfLeadId: 'lead-0' } })
        .thenThrows('LEAD.DUPLICATE', { existingLeadId: 'lead-0' });
    });

    it('records a duplicate the caller allowed', () => {
      spec
        .given([])
        .when({ ...capture, data: { ...capture.data, duplicateOfLeadId: 'lead-0', allowDuplicate: true } })
        .then([{ type: 'LeadCaptured', data: { ...captured.data, duplicateOfLeadId: 'lead-0' } }]);
    });

    it('refuses a lead without email or phone', () => {
      spec
        .given([])
        .when({ type: 'CaptureLead', data: { leadId, fullName: 'مریم احمدی', source: 'web', email: '  ', capturedAt: at } })
        .thenThrows('LEAD.CONTACT_POINT_REQUIRED');
    });

    it('refuses a blank name', () => {
      spec
        .given([])
        .when({ ...capture, data: { ...capture.data, fullName: ' ' } })
        .thenThrows('LEAD.NAME_REQUIRED');
    });

    it('refuses a second capture of the same lead', () => {
      spec.given([captured]).when(capture).thenThrows('LEAD.ALREADY_EXISTS');
    });

    it('lets the kernel reject a malformed phone as invalid input', () => {
      const bad = { ...capture, data: { ...capture.data, phone: '۰۹۱۲' } };
      expect(() => leadDecider.decide(bad, leadDecider.initialState())).toThrow(InvalidValueError);
    });

    it('is the creating command', () => {
      expect(leadDecider.isNew?.(capture)).toBe(true);
      expect(leadDecider.isNew?.(qualify)).toBe(false);
    });
  });

  describe('UpdateLead', () => {
    it('records only what changed, with new match keys when a contact point changed', () => {
      spec
        .given([captured])
        .when({
          type: 'UpdateLead',
          data: { leadId, fullName: 'مریم احمدی', phone: '۰۹۳۵ ۱۱۱ ۲۲۳۳', company: 'فولاد مبارکه اصفهان', updatedAt: at },
        })
        .then([
          {
            type: 'LeadUpdated',
            data: {
              leadId,
              changes: { phone: '۰۹۳۵ ۱۱۱ ۲۲۳۳', phoneE164: '+989351112233', company: 'فولاد مبارکه اصفهان' },
              matchKeys: ['email:maryam.ahmadi@example.com', 'phone:+989351112233'],
              updatedAt: at,
            },
          },
        ]);
    });

    it('recomputes the name key on a new name, without touching match keys', () => {
      spec
        .given([captured])
        .when({ type: 'UpdateLead', data: { leadId, fullName: 'مریم سادات احمدی', updatedAt: at } })
        .then([
          { type: 'LeadUpdated', data: { leadId, changes: { fullName: 'مریم سادات احمدی', nameKey: 'مریمساداتاحمدی' }, updatedAt: at } },
        ]);
    });

    it('records nothing when nothing changed', () => {
      spec
        .given([captured])
        .when({ type: 'UpdateLead', data: { leadId, company: 'شرکت فولاد مبارکه', updatedAt: at } })
        .thenNothing();
    });

    it('refuses after qualification and after disqualification', () => {
      const update: LeadCommand = { type: 'UpdateLead', data: { leadId, interest: 'اتوماسیون', updatedAt: at } };
      spec.given([captured, qualified]).when(update).thenThrows('LEAD.CLOSED', { status: 'qualified' });
      spec.given([captured, disqualified]).when(update).thenThrows('LEAD.CLOSED', { status: 'disqualified' });
    });

    it('refuses an unknown lead', () => {
      spec
        .given([])
        .when({ type: 'UpdateLead', data: { leadId, interest: 'اتوماسیون', updatedAt: at } })
        .thenThrows('LEAD.NOT_FOUND');
    });
  });

  describe('AssignLead', () => {
    const assign: LeadCommand = { type: 'AssignLead', data: { leadId, ownerId: 'user-7', assignedAt: at } };

    it('assigns an owner, remembering the previous one', () => {
      spec.given([captured]).when(assign).then([assigned]);
      spec
        .given([captured, assigned])
        .when({ type: 'AssignLead', data: { leadId, ownerId: 'user-9', assignedAt: at } })
        .then([{ type: 'LeadAssigned', data: { leadId, ownerId: 'user-9', previousOwnerId: 'user-7', assignedAt: at } }]);
    });

    it('records nothing when the owner is unchanged', () => {
      spec.given([captured, assigned]).when(assign).thenNothing();
    });

    it('refuses a closed or unknown lead', () => {
      spec.given([captured, disqualified]).when(assign).thenThrows('LEAD.CLOSED');
      spec.given([]).when(assign).thenThrows('LEAD.NOT_FOUND');
    });
  });

  describe('QualifyLead', () => {
    it('carries what the process manager needs to create contact, account and opportunity', () => {
      spec.given([captured]).when(qualify).then([qualified]);
    });

    it('links an existing account instead of creating one', () => {
      spec
        .given([captured])
        .when({ ...qualify, data: { ...qualify.data, existingAccount: true } })
        .then([{ type: 'LeadQualified', data: { ...qualified.data, account: { accountId: 'account-1', existing: true } } }]);
    });

    it('names the account of a private customer after the lead, and the need after the opportunity', () => {
      const privateLead: LeadEvent = {
        type: 'LeadCaptured',
        data: {
          leadId,
          fullName: 'علی رضایی',
          nameKey: 'علیرضایی',
          source: 'referral',
          phone: '09123456789',
          phoneE164: '+989123456789',
          matchKeys: ['phone:+989123456789'],
          ownerId: 'user-7',
          capturedAt: at,
        },
      };
      spec
        .given([privateLead])
        .when({ ...qualify, data: { ...qualify.data, existingContact: true } })
        .then([
          {
            type: 'LeadQualified',
            data: {
              leadId,
              source: 'referral',
              ownerId: 'user-7',
              contact: { contactId: 'contact-1', existing: true, fullName: 'علی رضایی', phone: '09123456789' },
              account: { accountId: 'account-1', existing: false, name: 'علی رضایی' },
              opportunity: qualified.data.opportunity,
              qualifiedAt: at,
            },
          },
        ]);
    });

    it('refuses a lead that is already qualified', () => {
      spec.given([captured, qualified]).when(qualify).thenThrows('LEAD.ALREADY_QUALIFIED', { opportunityId: 'opp-1' });
    });

    it('refuses a disqualified lead', () => {
      spec.given([captured, disqualified]).when(qualify).thenThrows('LEAD.CLOSED');
    });

    it('refuses a negative estimate and an unknown lead', () => {
      const negative = { ...qualify.data.opportunity, estimatedValue: money(-1) };
      spec
        .given([captured])
        .when({ ...qualify, data: { ...qualify.data, opportunity: negative } })
        .thenThrows('LEAD.INVALID_ESTIMATE');
      spec.given([]).when(qualify).thenThrows('LEAD.NOT_FOUND');
    });
  });

  describe('DisqualifyLead', () => {
    const disqualify: LeadCommand = {
      type: 'DisqualifyLead',
      data: { leadId, reason: 'duplicate', note: 'همان مشتری قبلی', disqualifiedAt: at },
    };

    it('closes an open lead with a reason', () => {
      spec
        .given([captured])
        .when(disqualify)
        .then([{ type: 'LeadDisqualified', data: { ...disqualify.data } }]);
    });

    it('refuses a lead that is already closed, or unknown', () => {
      spec.given([captured, disqualified]).when(disqualify).thenThrows('LEAD.CLOSED');
      spec.given([captured, qualified]).when(disqualify).thenThrows('LEAD.CLOSED');
      spec.given([]).when(disqualify).thenThrows('LEAD.NOT_FOUND');
    });
  });

  describe('evolve', () => {
    const history: LeadEvent[] = [
      captured,
      {
        type: 'LeadUpdated',
        data: {
          leadId,
          changes: { email: 'm.ahmadi@foolad.ir', normalizedEmail: 'm.ahmadi@foolad.ir' },
          matchKeys: ['email:m.ahmadi@foolad.ir', 'phone:+989123456789'],
          updatedAt: at,
        },
      },
      assigned,
      qualified,
    ];

    it('folds the history into the qualified lead', () => {
      const { capturedAt: _at, ...profile } = captured.data;
      spec.given(history).thenState({
        status: 'qualified',
        lead: {
          ...profile,
          email: 'm.ahmadi@foolad.ir',
          normalizedEmail: 'm.ahmadi@foolad.ir',
          matchKeys: ['email:m.ahmadi@foolad.ir', 'phone:+989123456789'],
          ownerId: 'user-7',
        },
        contactId: 'contact-1',
        accountId: 'account-1',
        opportunityId: 'opp-1',
      });
    });

    it('replays deterministically, also from events read back as JSON', () => {
      const once = foldEvents(leadDecider, leadDecider.initialState(), history);
      expect(foldEvents(leadDecider, leadDecider.initialState(), history)).toStrictEqual(once);
      expect(foldEvents(leadDecider, leadDecider.initialState(), JSON.parse(JSON.stringify(history)) as LeadEvent[])).toStrictEqual(once);
    });
  });
});
