import { foldEvents } from '@crm/shared/event-sourcing';
import { marketingListDecider } from './marketing-list.decider';
import type { MarketingListEvent } from './marketing-list.events';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import { add, added, at, createStatic, dynamicCreated, listId, removed, staticCreated } from './marketing-list.fixtures';

const spec = deciderSpec(marketingListDecider);

describe('marketing list decider: creation and replay', () => {
  describe('CreateMarketingList', () => {
    it('creates a static list, keeping the Persian name for display and its match key for search', () => {
      spec.given([]).when(createStatic).then([staticCreated]);
    });

    it('creates a dynamic list, storing contains values as match keys and in values once each', () => {
      spec
        .given([])
        .when({
          type: 'CreateMarketingList',
          data: {
            listId,
            name: 'سرنخ‌های باز صنعت فولاد',
            memberType: 'lead',
            kind: 'dynamic',
            criteria: {
              match: 'any',
              conditions: [
                { field: 'company', operator: 'contains', value: ' فولاد مباركه ' },
                { field: 'source', operator: 'in', value: ['event', ' web ', 'event'] },
                { field: 'status', operator: 'neq', value: ' disqualified ' },
              ],
            },
            createdAt: at,
          },
        })
        .then([
          {
            type: 'MarketingListCreated',
            data: {
              listId,
              name: 'سرنخ‌های باز صنعت فولاد',
              nameKey: 'سرنخهایبازصنعتفولاد',
              memberType: 'lead',
              kind: 'dynamic',
              criteria: {
                match: 'any',
                conditions: [
                  { field: 'company', operator: 'contains', value: 'فولادمبارکه' },
                  { field: 'source', operator: 'in', value: ['event', 'web'] },
                  { field: 'status', operator: 'neq', value: 'disqualified' },
                ],
              },
              createdAt: at,
            },
          },
        ]);
    });

    it('refuses a name that is blank, or only invisible Persian marks, punctuation or ASCII signs', () => {
      for (const name of ['', '   ', '\u200c\u200c', 'ـــ', '\u064b\u064e', '!!! ؟', '~', '=='])
        spec
          .given([])
          .when({ ...createStatic, data: { ...createStatic.data, name } })
          .thenThrows('LIST.NAME_REQUIRED', { fields: ['name'] });
    });

    it('refuses a second creation of the same list', () => {
      spec.given([staticCreated]).when(createStatic).thenThrows('LIST.ALREADY_EXISTS', { listId });
    });

    it('refuses criteria on a static list and a dynamic list without criteria', () => {
      const criteria = { match: 'all' as const, conditions: [{ field: 'industry', operator: 'eq' as const, value: 'فولاد' }] };
      spec
        .given([])
        .when({ ...createStatic, data: { ...createStatic.data, criteria } })
        .thenThrows('LIST.CRITERIA_NOT_ALLOWED', { fields: ['criteria'] });
      spec
        .given([])
        .when({ ...createStatic, data: { ...createStatic.data, kind: 'dynamic' } })
        .thenThrows('LIST.CRITERIA_REQUIRED', { fields: ['criteria'] });
    });

    it('is the creating command', () => {
      expect(marketingListDecider.isNew?.(createStatic)).toBe(true);
      expect(marketingListDecider.isNew?.(add('account-1'))).toBe(false);
    });
  });

  describe('evolve', () => {
    const history = [staticCreated, added('account-1', 'account-2', '__proto__'), removed('account-1'), added('account-1', 'account-3')];

    it('folds members of a static list and the criteria of a dynamic one', () => {
      spec.given(history).thenState({
        status: 'active',
        kind: 'static',
        listId,
        memberType: 'account',
        members: Object.fromEntries([
          ['account-2', true],
          ['__proto__', true],
          ['account-1', true],
          ['account-3', true],
        ]) as Record<string, true>,
      });
      spec.given([dynamicCreated]).thenState({
        status: 'active',
        kind: 'dynamic',
        listId,
        memberType: 'lead',
        criteria: { match: 'all', conditions: [{ field: 'source', operator: 'eq', value: 'event' }] },
      });
    });

    it('replays deterministically, also from events read back as JSON (as snapshots are)', () => {
      const once = foldEvents(marketingListDecider, marketingListDecider.initialState(), history);
      const fromJson = JSON.parse(JSON.stringify(history)) as MarketingListEvent[];
      expect(foldEvents(marketingListDecider, marketingListDecider.initialState(), fromJson)).toStrictEqual(once);
      expect(JSON.parse(JSON.stringify(once))).toStrictEqual(once);
    });
  });
});
