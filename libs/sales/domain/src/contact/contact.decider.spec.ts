import { foldEvents } from '@crm/shared/event-sourcing';
import { InvalidValueError } from '@crm/shared/kernel';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import type { ContactCommand, CreateContact } from './contact.commands';
import { canTarget, contactDecider } from './contact.decider';
import type { ContactCreated, ContactEvent } from './contact.events';

const spec = deciderSpec(contactDecider);
const contactId = 'contact-1';
const at = '2025-03-02T10:00:00+03:30';

const create: CreateContact = {
  type: 'CreateContact',
  data: {
    contactId,
    fullName: 'مریم احمدی',
    email: 'Maryam.Ahmadi@Example.com',
    phone: '۰۹۱۲۳۴۵۶۷۸۹',
    accountId: 'account-1',
    preferredChannel: 'sms',
    originLeadId: 'lead-1',
    createdAt: at,
  },
};

const created: ContactCreated = {
  type: 'ContactCreated',
  data: {
    contactId,
    fullName: 'مریم احمدی',
    nameKey: 'مریماحمدی',
    email: 'Maryam.Ahmadi@Example.com',
    normalizedEmail: 'maryam.ahmadi@example.com',
    phone: '۰۹۱۲۳۴۵۶۷۸۹',
    phoneE164: '+989123456789',
    matchKeys: ['email:maryam.ahmadi@example.com', 'phone:+989123456789'],
    accountId: 'account-1',
    preferredChannel: 'sms',
    originLeadId: 'lead-1',
    createdAt: at,
  },
};

const nameOnly: ContactCreated = {
  type: 'ContactCreated',
  data: { contactId, fullName: 'حسین کریمی', nameKey: 'حسینکریمی', matchKeys: [], createdAt: at },
};

const smsGranted: ContactEvent = { type: 'ContactConsentGranted', data: { contactId, channel: 'sms', at, source: 'فرم وب' } };
const consent = (channel: 'email' | 'sms' | 'letter', granted: boolean): ContactCommand => ({
  type: 'RecordConsent',
  data: { contactId, channel, granted, at },
});

describe('contact decider', () => {
  describe('CreateContact', () => {
    it('creates a contact with normalised contact points and the Persian name as typed', () => {
      spec.given([]).when(create).then([created]);
    });

    it('needs nothing but a name', () => {
      spec
        .given([])
        .when({ type: 'CreateContact', data: { contactId, fullName: 'حسین کریمی', createdAt: at } })
        .then([nameOnly]);
    });

    it('refuses a blank name, a second creation and malformed contact points', () => {
      spec
        .given([])
        .when({ ...create, data: { ...create.data, fullName: '' } })
        .thenThrows('CONTACT.NAME_REQUIRED');
      spec.given([created]).when(create).thenThrows('CONTACT.ALREADY_EXISTS');
      const bad = { ...create, data: { ...create.data, email: 'maryam@' } };
      expect(() => contactDecider.decide(bad, contactDecider.initialState())).toThrow(InvalidValueError);
    });

    it('is the creating command', () => {
      expect(contactDecider.isNew?.(create)).toBe(true);
      expect(contactDecider.isNew?.(consent('sms', true))).toBe(false);
    });
  });

  describe('UpdateContact', () => {
    it('records only what changed, with new match keys for a new email', () => {
      spec
        .given([created])
        .when({
          type: 'UpdateContact',
          data: { contactId, fullName: 'مریم احمدی', email: 'maryam@foolad.ir', preferredChannel: 'email', updatedAt: at },
        })
        .then([
          {
            type: 'ContactUpdated',
            data: {
              contactId,
              changes: { email: 'maryam@foolad.ir', normalizedEmail: 'maryam@foolad.ir', preferredChannel: 'email' },
              matchKeys: ['email:maryam@foolad.ir', 'phone:+989123456789'],
              updatedAt: at,
            },
          },
        ]);
    });

    it('records nothing when nothing changed', () => {
      spec
        .given([created])
        .when({ type: 'UpdateContact', data: { contactId, phone: '۰۹۱۲۳۴۵۶۷۸۹', updatedAt: at } })
        .thenNothing();
    });

    it('refuses an unknown contact', () => {
      spec
        .given([])
        .when({ type: 'UpdateContact', data: { contactId, fullName: 'مریم', updatedAt: at } })
        .thenThrows('CONTACT.NOT_FOUND');
    });
  });

  describe('LinkContactToAccount', () => {
    it('links to an account, remembering the previous one', () => {
      spec
        .given([nameOnly])
        .when({ type: 'LinkContactToAccount', data: { contactId, accountId: 'account-1', linkedAt: at } })
        .then([{ type: 'ContactLinkedToAccount', data: { contactId, accountId: 'account-1', linkedAt: at } }]);
      spec
        .given([created])
        .when({ type: 'LinkContactToAccount', data: { contactId, accountId: 'account-2', linkedAt: at } })
        .then([
          { type: 'ContactLinkedToAccount', data: { contactId, accountId: 'account-2', previousAccountId: 'account-1', linkedAt: at } },
        ]);
    });

    it('records nothing for the account it is already linked to', () => {
      spec
        .given([created])
        .when({ type: 'LinkContactToAccount', data: { contactId, accountId: 'account-1', linkedAt: at } })
        .thenNothing();
    });

    it('refuses an unknown contact', () => {
      spec
        .given([])
        .when({ type: 'LinkContactToAccount', data: { contactId, accountId: 'account-1', linkedAt: at } })
        .thenThrows('CONTACT.NOT_FOUND');
    });
  });

  describe('RecordConsent', () => {
    it('grants and withdraws consent per channel', () => {
      spec
        .given([created])
        .when({ type: 'RecordConsent', data: { contactId, channel: 'sms', granted: true, at, source: 'فرم وب' } })
        .then([smsGranted]);
      spec
        .given([created, smsGranted])
        .when(consent('sms', false))
        .then([{ type: 'ContactConsentWithdrawn', data: { contactId, channel: 'sms', at } }]);
    });

    it('records an explicit refusal on a channel never asked about', () => {
      spec
        .given([created])
        .when(consent('email', false))
        .then([{ type: 'ContactConsentWithdrawn', data: { contactId, channel: 'email', at } }]);
    });

    it('records nothing when the decision is unchanged', () => {
      spec.given([created, smsGranted]).when(consent('sms', true)).thenNothing();
    });

    it('refuses an unknown contact', () => {
      spec.given([]).when(consent('sms', true)).thenThrows('CONTACT.NOT_FOUND');
    });
  });

  describe('canTarget', () => {
    const state = (history: ContactEvent[]) => foldEvents(contactDecider, contactDecider.initialState(), history);

    it('needs a granted consent for that very channel', () => {
      expect(canTarget(state([created, smsGranted]), 'sms')).toBe(true);
      expect(canTarget(state([created, smsGranted]), 'email')).toBe(false);
      expect(canTarget(state([created]), 'sms')).toBe(false);
      expect(canTarget(contactDecider.initialState(), 'sms')).toBe(false);
    });

    it('stops after consent is withdrawn', () => {
      const withdrawn: ContactEvent = { type: 'ContactConsentWithdrawn', data: { contactId, channel: 'sms', at } };
      expect(canTarget(state([created, smsGranted, withdrawn]), 'sms')).toBe(false);
    });

    it('needs an address on the channel, except for post', () => {
      const granted = (channel: 'email' | 'whatsapp' | 'letter'): ContactEvent => ({
        type: 'ContactConsentGranted',
        data: { contactId, channel, at },
      });
      expect(canTarget(state([nameOnly, granted('email')]), 'email')).toBe(false);
      expect(canTarget(state([nameOnly, granted('whatsapp')]), 'whatsapp')).toBe(false);
      expect(canTarget(state([created, granted('email')]), 'email')).toBe(true);
      expect(canTarget(state([nameOnly, granted('letter')]), 'letter')).toBe(true);
    });
  });

  describe('evolve', () => {
    const history: ContactEvent[] = [
      created,
      { type: 'ContactUpdated', data: { contactId, changes: { fullName: 'مریم سادات احمدی', nameKey: 'مریمساداتاحمدی' }, updatedAt: at } },
      { type: 'ContactLinkedToAccount', data: { contactId, accountId: 'account-2', previousAccountId: 'account-1', linkedAt: at } },
      smsGranted,
      { type: 'ContactConsentWithdrawn', data: { contactId, channel: 'email', at } },
    ];

    it('folds profile, account link and consents', () => {
      const { createdAt: _at, ...profile } = created.data;
      spec.given(history).thenState({
        status: 'active',
        contact: { ...profile, fullName: 'مریم سادات احمدی', nameKey: 'مریمساداتاحمدی', accountId: 'account-2' },
        consents: { sms: { granted: true, at }, email: { granted: false, at } },
      });
    });

    it('replays deterministically, also from events read back as JSON', () => {
      const once = foldEvents(contactDecider, contactDecider.initialState(), history);
      expect(foldEvents(contactDecider, contactDecider.initialState(), history)).toStrictEqual(once);
      expect(
        foldEvents(contactDecider, contactDecider.initialState(), JSON.parse(JSON.stringify(history)) as ContactEvent[]),
      ).toStrictEqual(once);
    });
  });
});
