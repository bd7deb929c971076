import { createValidationPipe, refusedFields } from '@crm/shared/http';
import { AddListMembersRequestDto } from '../add-list-members/add-list-members.request.dto';
import { CreateMarketingListRequestDto } from './create-marketing-list.request.dto';

const pipe = createValidationPipe();
const badFields = (body: unknown, metatype: new () => object = CreateMarketingListRequestDto): Promise<string[]> =>
  refusedFields(metatype, body);

const dynamic = (conditions: unknown, match = 'all') => ({
  name: 'سرنخ‌های نمایشگاه',
  memberType: 'lead',
  kind: 'dynamic',
  criteria: { match, conditions },
});

describe('marketing list requests are checked at the edge', () => {
  it.each([
    [{ name: 'مشتریان صنعت فولاد', memberType: 'account', kind: 'static' }],
    [dynamic([{ field: 'source', operator: 'in', value: ['event', 'web'] }])],
    [dynamic([{ field: 'company', operator: 'contains', value: 'فولاد' }], 'any')],
  ])('accepts %j', async (body) => {
    expect(await badFields(body)).toEqual([]);
  });

  it.each([
    [{ name: 'فهرست', memberType: 'lead', kind: 'dynamic' }, ['criteria']],
    [{ name: 'فهرست', memberType: 'lead', kind: 'static', criteria: dynamic([]).criteria }, ['criteria', 'criteria.conditions']],
    [{ name: 'فهرست', memberType: 'lead', kind: 'dynamic', criteria: 'source=web' }, ['criteria']],
    [dynamic([]), ['criteria.conditions']],
    [dynamic([{ field: 'source', operator: 'eq', value: 'web' }], 'most'), ['criteria.match']],
    [dynamic([{ field: 'colour', operator: 'eq', value: 'سبز' }]), ['criteria.conditions.0.field']],
    [dynamic([{ field: 'source', operator: 'like', value: 'web' }]), ['criteria.conditions.0.operator']],
    [dynamic([{ field: 'source', operator: 'in', value: 'web' }]), ['criteria.conditions.0.value']],
    [dynamic([{ field: 'source', operator: 'in', value: ['web', ' '] }]), ['criteria.conditions.0.value']],
    [dynamic([{ field: 'source', operator: 'eq', value: ['web'] }]), ['criteria.conditions.0.value']],
    [dynamic([{ field: 'company', operator: 'contains', value: 'x'.repeat(201) }]), ['criteria.conditions.0.value']],
    [dynamic([{ field: 'source', operator: 'eq' }]), ['criteria.conditions.0.value']],
    [dynamic(Array.from({ length: 21 }, () => ({ field: 'source', operator: 'eq', value: 'web' }))), ['criteria.conditions']],
    [dynamic([{ field: 'source', operator: 'eq', value: 'web', negate: true }]), ['criteria.conditions.0.negate']],
  ])('refuses %j naming %j', async (body, fields) => {
    expect(await badFields(body)).toEqual(fields);
  });

  // Alone, such a value reaches the handler, which refuses it with LIST.CRITERIA_VALUE_INVALID (marketing-list-handlers.spec).
  it.each([
    [{ ...dynamic([{ field: 'source', operator: 'eq', value: 'nope' }]), name: ' ' }, ['criteria.conditions.0.value', 'name']],
    [
      { ...dynamic([{ field: 'consent', operator: 'in', value: ['sms', 'whatever'] }]), memberType: 'contact', ownerId: 7 },
      ['criteria.conditions.0.value', 'ownerId'],
    ],
  ])('names a value its enumerated field does not have beside the other bad fields: %j', async (body, fields) => {
    expect(await badFields(body)).toEqual(fields);
  });

  it('takes 1 to 1000 member ids, naming the positions that are not UUIDs', async () => {
    const id = '0b9d3f5e-8a6c-4c1e-9f7a-2d4b6e8a0c1d';
    expect(await badFields({ memberIds: [id.toUpperCase()] }, AddListMembersRequestDto)).toEqual([]);
    for (const memberIds of [[], 'x', [id, 'x'], Array.from({ length: 1001 }, () => id), undefined])
      expect(await badFields({ memberIds }, AddListMembersRequestDto)).toEqual(['memberIds']);
    await expect(pipe.transform({ memberIds: [id, 7, 'x'] }, { type: 'body', metatype: AddListMembersRequestDto })).rejects.toMatchObject({
      errors: [{ field: 'memberIds', messages: ['memberIds must hold only UUIDs; not at positions 1, 2'] }],
    });
  });

  it('keeps member ids in lower case, so one record cannot be two members', async () => {
    const id = '0B9D3F5E-8A6C-4C1E-9F7A-2D4B6E8A0C1D';
    const dto = (await pipe.transform(
      { memberIds: [id] },
      { type: 'body', metatype: AddListMembersRequestDto },
    )) as AddListMembersRequestDto;
    expect(dto.memberIds).toEqual([id.toLowerCase()]);
  });
});
