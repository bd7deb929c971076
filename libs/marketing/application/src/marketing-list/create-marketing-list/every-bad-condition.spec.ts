import { marketingListDecider, type ListCriteria } from '@crm/marketing/domain';
import type { DomainError } from '@crm/shared/event-sourcing';
import { refusedFields } from '@crm/shared/http';
import { assertKnownCriteriaValues } from '../criteria-values';
import { CreateMarketingListRequestDto } from './create-marketing-list.request.dto';

const list = (memberType: string, conditions: unknown[]) => ({
  name: 'x',
  memberType,
  kind: 'dynamic',
  criteria: { match: 'all', conditions },
});
const ACCOUNT = '0B6F7C3E-1D2A-4F5B-9C8D-7E6F5A4B3C2D';

describe('a dynamic list names every bad condition in one 400', () => {
  it.each([
    [
      'an unknown field beside a value outside its field',
      list('contact', [
        { field: 'industry', operator: 'eq', value: 'x' },
        { field: 'preferredChannel', operator: 'eq', value: 'fax' },
      ]),
      ['criteria.conditions.0.field', 'criteria.conditions.1.value'],
    ],
    ['a value of only a ZWNJ', list('lead', [{ field: 'company', operator: 'eq', value: '\u200c' }]), ['criteria.conditions.0.value']],
    [
      'a ZWNJ value beside an unknown field',
      list('lead', [
        { field: 'company', operator: 'in', value: ['فولاد', '\u200c'] },
        { field: 'industry', operator: 'eq', value: 'x' },
      ]),
      ['criteria.conditions.0.value', 'criteria.conditions.1.field'],
    ],
    [
      'an id that is no UUID beside an unknown field',
      list('contact', [
        { field: 'accountId', operator: 'eq', value: 'acme' },
        { field: 'status', operator: 'eq', value: 'active' },
      ]),
      ['criteria.conditions.0.value', 'criteria.conditions.1.field'],
    ],
  ])('%s', async (_case, body, fields) => {
    expect(await refusedFields(CreateMarketingListRequestDto, body)).toEqual(fields);
  });

  it('takes an id in capitals, and the list keeps it in lower case as ids are kept everywhere', async () => {
    expect(
      await refusedFields(CreateMarketingListRequestDto, list('contact', [{ field: 'accountId', operator: 'eq', value: ACCOUNT }])),
    ).toEqual([]);
    const criteria: ListCriteria = {
      match: 'any',
      conditions: [
        { field: 'accountId', operator: 'eq', value: ACCOUNT },
        { field: 'accountId', operator: 'in', value: [ACCOUNT, ACCOUNT.toLowerCase()] },
      ],
    };
    const [created] = marketingListDecider.decide(
      {
        type: 'CreateMarketingList',
        data: { listId: 'l', name: 'x', memberType: 'contact', kind: 'dynamic', criteria, createdAt: '2026-03-01T09:00:00Z' },
      },
      marketingListDecider.initialState(),
    );
    expect(created?.type === 'MarketingListCreated' && created.data.criteria?.conditions).toEqual([
      { field: 'accountId', operator: 'eq', value: ACCOUNT.toLowerCase() },
      { field: 'accountId', operator: 'in', value: [ACCOUNT.toLowerCase()] },
    ]);
  });
});

describe("a dynamic list's refusal says every rule it names", () => {
  const refusal = (memberType: 'lead' | 'contact', conditions: unknown[]) => {
    try {
      marketingListDecider.decide(
        {
          type: 'CreateMarketingList',
          data: {
            listId: 'l',
            name: 'x',
            memberType,
            kind: 'dynamic',
            criteria: { match: 'all', conditions } as ListCriteria,
            createdAt: '2026-03-01T09:00:00Z',
          },
        },
        marketingListDecider.initialState(),
      );
    } catch (error) {
      return error as DomainError;
    }
    return undefined;
  };

  it('an id that is no UUID beside a value outside its field: both rules, each condition named (the create handler asks it first)', () => {
    let refused: DomainError | undefined;
    try {
      assertKnownCriteriaValues(
        {
          match: 'all',
          conditions: [
            { field: 'campaignId', operator: 'eq', value: 'not-a-uuid' },
            { field: 'source', operator: 'eq', value: 'zz' },
          ],
        },
        'lead',
      );
    } catch (error) {
      refused = error as DomainError;
    }
    expect(refused?.details).toMatchObject({ fields: ['criteria.conditions.0.value', 'criteria.conditions.1.value'] });
    expect(refused?.message).toMatch(/take UUIDs.*known values only/);
  });

  it('"contains" on an id takes part of one (hex digits and hyphens), nothing that could never match an id', () => {
    expect(refusal('contact', [{ field: 'accountId', operator: 'contains', value: '0b6f7c3e' }])).toBeUndefined();
    const never = refusal('contact', [{ field: 'accountId', operator: 'contains', value: 'not a uuid at all' }]);
    expect(never?.details).toMatchObject({ fields: ['criteria.conditions.0.value'] });
  });
});
