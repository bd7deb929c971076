import type { CriteriaCondition } from '@crm/marketing/domain';
import { matchKey } from '@crm/shared/kernel';
import type { AccountAudience, ContactAudience } from './audience.projection';
import { conditionHolds, matchesCriteria } from './list-criteria';

const account: AccountAudience = {
  tenantId: 'default',
  memberType: 'account',
  memberId: 'a1',
  name: 'شركت فولاد مباركه',
  status: 'active',
  industry: 'steel',
};
const contact: ContactAudience = {
  tenantId: 'default',
  memberType: 'contact',
  memberId: 'p1',
  fullName: 'مریم',
  consent: ['email', 'sms'],
};
const when = (field: string, operator: CriteriaCondition['operator'], value: string | string[]): CriteriaCondition => ({
  field,
  operator,
  value,
});

describe('dynamic list criteria', () => {
  it('compares scalar attributes with eq, neq and in; a missing attribute is never equal', () => {
    expect(conditionHolds(account, when('industry', 'eq', 'steel'))).toBe(true);
    expect(conditionHolds(account, when('industry', 'neq', 'steel'))).toBe(false);
    expect(conditionHolds(account, when('industry', 'in', ['auto', 'steel']))).toBe(true);
    expect(conditionHolds(account, when('ownerId', 'eq', 'u1'))).toBe(false);
    expect(conditionHolds(account, when('ownerId', 'neq', 'u1'))).toBe(true);
  });

  it('matches `contains` on matchKeys, so Arabic and Persian spellings of a name agree', () => {
    expect(conditionHolds(account, when('name', 'contains', matchKey('فولاد مبارکه')))).toBe(true);
    expect(conditionHolds(account, when('name', 'contains', matchKey('ذوب آهن')))).toBe(false);
  });

  // An outside probe: `neq "کاشی و سرامیک"` selected the same industry typed on an Arabic keyboard, so an exclusion
  // list targeted it, while `contains` folded the spellings.
  it('compares free text with eq, neq and in in one Persian spelling, codes and ids as stored', () => {
    const tiles = { ...account, industry: 'كاشي و سراميك' };
    expect(conditionHolds(tiles, when('industry', 'eq', 'کاشی و سرامیک'))).toBe(true);
    expect(conditionHolds(tiles, when('industry', 'neq', 'کاشی و سرامیک'))).toBe(false);
    expect(conditionHolds(tiles, when('industry', 'in', ['فولاد', 'کاشی\u200cو سرامیک']))).toBe(true);
    expect(conditionHolds(tiles, when('industry', 'in', ['فولاد', ' کاشی  و سرامیک ']))).toBe(true);
    expect(conditionHolds(tiles, when('industry', 'in', ['فولاد', 'کاشی']))).toBe(false);
    expect(conditionHolds({ ...contact, fullName: 'مريم' }, when('fullName', 'eq', 'مریم'))).toBe(true);
    expect(conditionHolds(account, when('name', 'eq', 'شرکت فولاد مبارکه'))).toBe(true);
    // Codes are not free text: another case is another value.
    expect(conditionHolds(account, when('status', 'eq', 'ACTIVE'))).toBe(false);
  });

  it('checks consent as a set of channels', () => {
    expect(conditionHolds(contact, when('consent', 'eq', 'sms'))).toBe(true);
    expect(conditionHolds(contact, when('consent', 'in', ['phone', 'email']))).toBe(true);
    expect(conditionHolds(contact, when('consent', 'neq', 'phone'))).toBe(true);
    expect(conditionHolds(contact, when('consent', 'neq', 'email'))).toBe(false);
  });

  it('needs every condition for match all and one for match any', () => {
    const conditions = [when('industry', 'eq', 'steel'), when('status', 'eq', 'closed')];
    expect(matchesCriteria(account, { match: 'all', conditions })).toBe(false);
    expect(matchesCriteria(account, { match: 'any', conditions })).toBe(true);
  });
});
