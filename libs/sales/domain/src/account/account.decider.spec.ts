import { foldEvents } from '@crm/shared/event-sourcing';
import { InvalidValueError, money } from '@crm/shared/kernel';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import type { AccountCommand, OpenAccount, RecordPurchase } from './account.commands';
import { accountDecider } from './account.decider';
import type { AccountEvent, AccountOpened, PurchaseRecorded } from './account.events';

const spec = deciderSpec(accountDecider);
const accountId = 'account-1';
const at = '2025-03-03T08:00:00+03:30';

const open: OpenAccount = {
  type: 'OpenAccount',
  data: {
    accountId,
    name: 'شرکت فولاد مبارکه',
    nationalId: '۱۰۸۶۱۶۶۱۶۸۸',
    industry: 'فولاد',
    ownerId: 'user-7',
    originLeadId: 'lead-1',
    openedAt: at,
  },
};

const opened: AccountOpened = {
  type: 'AccountOpened',
  data: {
    accountId,
    name: 'شرکت فولاد مبارکه',
    nameKey: 'شرکتفولادمبارکه',
    nationalId: '10861661688',
    industry: 'فولاد',
    ownerId: 'user-7',
    originLeadId: 'lead-1',
    openedAt: at,
  },
};

const closed: AccountEvent = {
  type: 'AccountClosed',
  data: { accountId, reason: 'انتقال به رقیب', closedAt: '2025-09-01T12:00:00+03:30' },
};

const purchase: RecordPurchase = {
  type: 'RecordPurchase',
  data: { accountId, purchaseId: 'purchase-1', amount: money(480_000_000), occurredAt: at, externalRef: 'ERP-1403-0042', recordedAt: at },
};
const { recordedAt: _recordedAt, ...purchaseData } = purchase.data;
const purchased: PurchaseRecorded = {
  type: 'PurchaseRecorded',
  data: { ...purchaseData, amount: { amount: 480_000_000, currency: 'IRR' } },
};

describe('account decider', () => {
  describe('OpenAccount', () => {
    it('opens an account, keeping the Persian name and storing the national id in ASCII digits', () => {
      spec.given([]).when(open).then([opened]);
    });

    it('needs only a name', () => {
      spec
        .given([])
        .when({ type: 'OpenAccount', data: { accountId, name: 'بازرگانی كيان', openedAt: at } })
        .then([{ type: 'AccountOpened', data: { accountId, name: 'بازرگانی كيان', nameKey: 'بازرگانیکیان', openedAt: at } }]);
    });

    it('refuses a blank name and a second opening', () => {
      spec
        .given([])
        .when({ ...open, data: { ...open.data, name: ' ' } })
        .thenThrows('ACCOUNT.NAME_REQUIRED');
      spec.given([opened]).when(open).thenThrows('ACCOUNT.ALREADY_EXISTS');
    });

    it('refuses a national id whose check digit is wrong, of a person or a legal entity, when opened or changed', () => {
      for (const nationalId of ['۱۰۸۶۱۶۶۱۶۸۴', '0012345678', '2222222222']) {
        spec
          .given([])
          .when({ ...open, data: { ...open.data, nationalId } })
          .thenThrows('ACCOUNT.NATIONAL_ID_INVALID');
        spec
          .given([opened])
          .when({ type: 'UpdateAccount', data: { accountId, nationalId, updatedAt: at } })
          .thenThrows('ACCOUNT.NATIONAL_ID_INVALID');
      }
    });

    it('is the creating command', () => {
      expect(accountDecider.isNew?.(open)).toBe(true);
      expect(accountDecider.isNew?.(purchase)).toBe(false);
    });
  });

  describe('UpdateAccount', () => {
    it('records only what changed', () => {
      spec
        .given([opened])
        .when({
          type: 'UpdateAccount',
          data: { accountId, name: 'فولاد مبارکه اصفهان', nationalId: '10861661688', ownerId: 'user-9', updatedAt: at },
        })
        .then([
          {
            type: 'AccountUpdated',
            data: { accountId, changes: { name: 'فولاد مبارکه اصفهان', nameKey: 'فولادمبارکهاصفهان', ownerId: 'user-9' }, updatedAt: at },
          },
        ]);
    });

    it('records nothing when nothing changed', () => {
      spec
        .given([opened])
        .when({ type: 'UpdateAccount', data: { accountId, industry: 'فولاد', updatedAt: at } })
        .thenNothing();
    });

    it('refuses a closed or unknown account', () => {
      const update: AccountCommand = { type: 'UpdateAccount', data: { accountId, industry: 'معدن', updatedAt: at } };
      spec.given([opened, closed]).when(update).thenThrows('ACCOUNT.CLOSED');
      spec.given([]).when(update).thenThrows('ACCOUNT.NOT_FOUND');
    });
  });

  describe('CloseAccount', () => {
    const close: AccountCommand = {
      type: 'CloseAccount',
      data: { accountId, reason: 'انتقال به رقیب', closedAt: '2025-09-01T12:00:00+03:30' },
    };

    it('closes an account: the customer is churned', () => {
      spec.given([opened]).when(close).then([closed]);
    });

    it('refuses an account already closed, or unknown', () => {
      spec.given([opened, closed]).when(close).thenThrows('ACCOUNT.CLOSED', { closedAt: '2025-09-01T12:00:00+03:30' });
      spec.given([]).when(close).thenThrows('ACCOUNT.NOT_FOUND');
    });
  });

  describe('ReopenAccount', () => {
    const reopen: AccountCommand = { type: 'ReopenAccount', data: { accountId, reason: 'بازگشت مشتری', reopenedAt: at } };

    it('wins a closed account back', () => {
      spec
        .given([opened, closed])
        .when(reopen)
        .then([{ type: 'AccountReopened', data: { ...reopen.data } }]);
    });

    it('refuses an account that is not closed, or unknown', () => {
      spec.given([opened]).when(reopen).thenThrows('ACCOUNT.NOT_CLOSED');
      spec.given([]).when(reopen).thenThrows('ACCOUNT.NOT_FOUND');
    });
  });

  describe('RecordAccountLink', () => {
    const link: AccountCommand = { type: 'RecordAccountLink', data: { accountId, contactId: 'contact-1', linkedAt: at } };

    it('records a contact or deal joining an open account, and changes nothing the account decides on', () => {
      spec
        .given([opened])
        .when(link)
        .then([{ type: 'AccountLinkRecorded', data: { accountId, contactId: 'contact-1', linkedAt: at } }]);
      const linked: AccountEvent = { type: 'AccountLinkRecorded', data: { accountId, opportunityId: 'deal-1', linkedAt: at } };
      expect(foldEvents(accountDecider, accountDecider.initialState(), [opened, linked])).toEqual(
        foldEvents(accountDecider, accountDecider.initialState(), [opened]),
      );
    });

    it('refuses a closed account (reopened, it takes links again) and an unknown one', () => {
      spec.given([opened, closed]).when(link).thenThrows('ACCOUNT.CLOSED', { closedAt: '2025-09-01T12:00:00+03:30' });
      const reopened: AccountEvent = { type: 'AccountReopened', data: { accountId, reopenedAt: at } };
      spec
        .given([opened, closed, reopened])
        .when(link)
        .then([{ type: 'AccountLinkRecorded', data: { accountId, contactId: 'contact-1', linkedAt: at } }]);
      spec.given([]).when(link).thenThrows('ACCOUNT.NOT_FOUND');
    });
  });

  describe('RecordPurchase', () => {
    it('records a purchase in integer minor units', () => {
      spec.given([opened]).when(purchase).then([purchased]);
    });

    it('is idempotent per external reference, even after closing', () => {
      spec
        .given([opened, purchased])
        .when({ ...purchase, data: { ...purchase.data, purchaseId: 'purchase-2' } })
        .thenNothing();
      spec.given([opened, purchased, closed]).when(purchase).thenNothing();
    });

    it('refuses a known reference with another amount, currency or date: another purchase, not a retry', () => {
      const again = (data: Partial<typeof purchase.data>) => ({ ...purchase, data: { ...purchase.data, ...data } });
      for (const changed of [
        { amount: money(480_000_001) },
        { amount: money(480_000_000, 'USD') },
        { occurredAt: '2025-03-04T08:00:00+03:30' },
      ]) {
        spec.given([opened, purchased]).when(again(changed)).thenThrows('ACCOUNT.PURCHASE_CONFLICT');
      }
      // The same instant written in another offset is the same purchase.
      spec
        .given([opened, purchased])
        .when(again({ occurredAt: '2025-03-03T04:30:00Z' }))
        .thenNothing();
    });

    it('refuses a purchase dated after it is recorded, beyond five minutes of clock skew (no purchase in year 9999)', () => {
      const recordedAt = '2025-03-03T08:00:00+03:30';
      spec
        .given([opened])
        .when({ ...purchase, data: { ...purchase.data, occurredAt: '9999-12-31T00:00:00Z', recordedAt } })
        .thenThrows('ACCOUNT.PURCHASE_IN_FUTURE', { fields: ['occurredAt'] });
      spec
        .given([opened])
        .when({ ...purchase, data: { ...purchase.data, occurredAt: '2025-03-03T08:04:59+03:30', recordedAt } })
        .then([{ ...purchased, data: { ...purchased.data, occurredAt: '2025-03-03T08:04:59+03:30' } }]);
    });

    it('treats references that look like object keys as ordinary references', () => {
      spec
        .given([opened])
        .when({ ...purchase, data: { ...purchase.data, externalRef: 'constructor' } })
        .then([{ ...purchased, data: { ...purchased.data, externalRef: 'constructor' } }]);
    });

    it('knows a recorded reference in any digit script or Arabic spelling, recorded so before refs were keyed too', () => {
      const persian = { ...purchased, data: { ...purchased.data, externalRef: 'ERP-۱۴۰۳-۰۰۴۲' } };
      spec.given([opened, persian]).when(purchase).then([]);
      spec
        .given([opened, persian])
        .when({ ...purchase, data: { ...purchase.data, amount: money(1) } })
        .thenThrows('ACCOUNT.PURCHASE_CONFLICT');
      spec
        .given([opened, purchased])
        .when({ ...purchase, data: { ...purchase.data, externalRef: 'ERP-١٤٠٣-٠٠٤٢' } })
        .then([]);
    });

    it('refuses a purchase that would take the account past 2^53 − 1 minor units in its currency, not in another', () => {
      const big = (ref: string, currency = 'IRR'): PurchaseRecorded => ({
        ...purchased,
        data: { ...purchased.data, externalRef: ref, amount: { amount: Number.MAX_SAFE_INTEGER - 1, currency } },
      });
      spec
        .given([opened, big('ERP-1')])
        .when({ ...purchase, data: { ...purchase.data, externalRef: 'ERP-2', amount: money(2) } })
        .thenThrows('ACCOUNT.PURCHASES_TOO_LARGE', { fields: ['amount.amount'] });
      spec
        .given([opened, big('ERP-1', 'USD')])
        .when({ ...purchase, data: { ...purchase.data, externalRef: 'ERP-2', amount: money(2) } })
        .then([{ ...purchased, data: { ...purchased.data, externalRef: 'ERP-2', amount: { amount: 2, currency: 'IRR' } } }]);
    });

    it('refuses a new purchase on a closed account', () => {
      spec
        .given([opened, purchased, closed])
        .when({ ...purchase, data: { ...purchase.data, externalRef: 'ERP-1403-0043' } })
        .thenThrows('ACCOUNT.CLOSED');
    });

    it('refuses a zero or negative amount, a missing reference and an unknown account', () => {
      spec
        .given([opened])
        .when({ ...purchase, data: { ...purchase.data, amount: money(0) } })
        .thenThrows('ACCOUNT.INVALID_AMOUNT');
      spec
        .given([opened])
        .when({ ...purchase, data: { ...purchase.data, amount: money(-5) } })
        .thenThrows('ACCOUNT.INVALID_AMOUNT');
      spec
        .given([opened])
        .when({ ...purchase, data: { ...purchase.data, externalRef: '' } })
        .thenThrows('ACCOUNT.EXTERNAL_REF_REQUIRED');
      spec.given([]).when(purchase).thenThrows('ACCOUNT.NOT_FOUND');
    });

    it('lets the kernel reject fractional minor units as invalid input', () => {
      const state = foldEvents(accountDecider, accountDecider.initialState(), [opened]);
      const fractional = { ...purchase, data: { ...purchase.data, amount: { amount: 10.5, currency: 'IRR' } } };
      expect(() => accountDecider.decide(fractional, state)).toThrow(InvalidValueError);
    });
  });

  describe('evolve', () => {
    const history: AccountEvent[] = [
      opened,
      { type: 'AccountUpdated', data: { accountId, changes: { industry: 'فولاد و معدن' }, updatedAt: at } },
      purchased,
      closed,
      { type: 'AccountReopened', data: { accountId, reopenedAt: at } },
    ];

    it('folds profile and purchase references; a closed account remembers why', () => {
      const { openedAt: _at, ...profile } = opened.data;
      const account = { ...profile, industry: 'فولاد و معدن' };
      const recorded = { purchaseId: 'purchase-1', amount: money(480_000_000), occurredAt: at };
      spec.given(history.slice(0, 4)).thenState({
        status: 'closed',
        account,
        purchaseRefs: { 'ERP-1403-0042': recorded },
        reason: 'انتقال به رقیب',
        closedAt: '2025-09-01T12:00:00+03:30',
      });
      spec.given(history).thenState({ status: 'active', account, purchaseRefs: { 'ERP-1403-0042': recorded } });
    });

    it('replays deterministically, also from events read back as JSON (as snapshots are)', () => {
      const once = foldEvents(accountDecider, accountDecider.initialState(), history);
      expect(foldEvents(accountDecider, accountDecider.initialState(), history)).toStrictEqual(once);
      expect(
        foldEvents(accountDecider, accountDecider.initialState(), JSON.parse(JSON.stringify(history)) as AccountEvent[]),
      ).toStrictEqual(once);
      expect(JSON.parse(JSON.stringify(once))).toStrictEqual(once);
    });
  });
});
