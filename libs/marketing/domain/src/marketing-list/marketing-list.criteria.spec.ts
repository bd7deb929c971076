import { DomainError } from '@crm/shared/event-sourcing';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import type { CreateMarketingList, CriteriaCondition, ListCriteria } from './marketing-list.commands';
import { assertCriteriaValues, normalizeCriteria, type CriteriaValueSets } from './marketing-list.criteria';
import { marketingListDecider } from './marketing-list.decider';

const spec = deciderSpec(marketingListDecider);

const dynamicOf = (memberType: 'account' | 'contact' | 'lead', criteria: ListCriteria): CreateMarketingList => ({
  type: 'CreateMarketingList',
  data: { listId: 'list-1', name: 'فهرست پویا', memberType, kind: 'dynamic', criteria, createdAt: '2026-03-01T09:00:00+03:30' },
});
const all = (...conditions: CriteriaCondition[]): ListCriteria => ({ match: 'all', conditions });

describe('marketing list criteria', () => {
  it('accepts exactly the fields of the member type', () => {
    expect(normalizeCriteria(all({ field: 'consent', operator: 'eq', value: 'sms' }), 'contact').conditions).toHaveLength(1);
    expect(normalizeCriteria(all({ field: 'industry', operator: 'contains', value: 'پتروشیمی' }), 'account').conditions).toEqual([
      { field: 'industry', operator: 'contains', value: 'پتروشیمی' },
    ]);
  });

  it('names every condition whose field the member type does not have', () => {
    spec
      .given([])
      .when(
        dynamicOf(
          'contact',
          all(
            { field: 'industry', operator: 'eq', value: 'فولاد' },
            { field: 'fullName', operator: 'contains', value: 'احمدی' },
            { field: 'source', operator: 'eq', value: 'web' },
          ),
        ),
      )
      .thenThrows('LIST.CRITERIA_FIELD_UNKNOWN', {
        fields: ['criteria.conditions.0.field', 'criteria.conditions.2.field'],
        memberType: 'contact',
        allowed: ['accountId', 'preferredChannel', 'consent', 'fullName'],
      });
  });

  it('refuses criteria without conditions', () => {
    spec
      .given([])
      .when(dynamicOf('lead', all()))
      .thenThrows('LIST.CRITERIA_EMPTY', { fields: ['criteria.conditions'] });
  });

  it('names every unusable value: in needs a non-empty list, the others one non-blank string', () => {
    spec
      .given([])
      .when(
        dynamicOf(
          'lead',
          all(
            { field: 'source', operator: 'in', value: [] },
            { field: 'status', operator: 'eq', value: ['open'] },
            { field: 'company', operator: 'contains', value: '\u200c ـ' },
            { field: 'ownerId', operator: 'in', value: 'user-7' },
            { field: 'source', operator: 'in', value: ['web', ' '] },
            { field: 'campaignId', operator: 'neq', value: ' ' },
            { field: 'company', operator: 'eq', value: 'ایران خودرو' },
          ),
        ),
      )
      .thenThrows('LIST.CRITERIA_VALUE_INVALID', {
        fields: [0, 1, 2, 3, 4, 5].map((i) => `criteria.conditions.${i}.value`),
      });
  });

  it('refuses an unknown operator or match mode from untyped callers', () => {
    const badOperator = { field: 'source', operator: 'like', value: 'web' } as unknown as CriteriaCondition;
    expect(() => normalizeCriteria(all(badOperator), 'lead')).toThrow(
      expect.objectContaining({ code: 'LIST.CRITERIA_VALUE_INVALID', details: { fields: ['criteria.conditions.0.operator'] } }),
    );
    const badMatch = { match: 'some', conditions: [{ field: 'source', operator: 'eq', value: 'web' }] } as unknown as ListCriteria;
    expect(() => normalizeCriteria(badMatch, 'lead')).toThrow(DomainError);
    spec
      .given([])
      .when(dynamicOf('lead', badMatch))
      .thenThrows('LIST.CRITERIA_INVALID', { fields: ['criteria.match'] });
  });

  describe('values of enumerated fields', () => {
    // As the application hands them in, from the sales context.
    const sets: CriteriaValueSets = {
      lead: { source: ['web', 'event', 'campaign'], status: ['open', 'qualified', 'disqualified'] },
      account: { status: ['active', 'closed'] },
      contact: { preferredChannel: ['email', 'sms'], consent: ['email', 'sms'] },
    };
    const check =
      (memberType: 'account' | 'contact' | 'lead', ...conditions: CriteriaCondition[]) =>
      () =>
        assertCriteriaValues(all(...conditions), memberType, sets);

    it('accepts values the field has, free text and ids as they come', () => {
      expect(
        check(
          'lead',
          { field: 'status', operator: 'eq', value: 'open' },
          { field: 'source', operator: 'in', value: ['web', ' event '] },
          { field: 'source', operator: 'contains', value: 'camp' },
          { field: 'company', operator: 'eq', value: 'bogus' },
        ),
      ).not.toThrow();
      expect(check('contact', { field: 'consent', operator: 'neq', value: 'sms' })).not.toThrow();
    });

    it('names every condition whose value the field does not have, whatever the operator', () => {
      expect(
        check(
          'lead',
          { field: 'status', operator: 'eq', value: 'bogus' },
          { field: 'source', operator: 'eq', value: 'web' },
          { field: 'source', operator: 'in', value: ['web', 'nope'] },
          { field: 'status', operator: 'neq', value: 'Open' },
          { field: 'source', operator: 'contains', value: 'zzz' },
        ),
      ).toThrow(
        expect.objectContaining({
          code: 'LIST.CRITERIA_VALUE_INVALID',
          status: 400,
          details: expect.objectContaining({ fields: [0, 2, 3, 4].map((i) => `criteria.conditions.${i}.value`) }),
        }),
      );
      expect(check('contact', { field: 'consent', operator: 'eq', value: 'whatever' })).toThrow(
        expect.objectContaining({ details: expect.objectContaining({ fields: ['criteria.conditions.0.value'] }) }),
      );
      // The same field name, another member type's values: an account is active or closed, never open.
      expect(check('account', { field: 'status', operator: 'eq', value: 'open' })).toThrow(
        expect.objectContaining({ details: { fields: ['criteria.conditions.0.value'], allowed: { status: ['active', 'closed'] } } }),
      );
    });
  });
});
