import type { AddListMembers, CreateMarketingList, RemoveListMembers } from './marketing-list.commands';
import type { MarketingListCreated, MarketingListEvent } from './marketing-list.events';

/** A static list of steel accounts and a dynamic list of leads, shared by the marketing list decider specs. */
export const listId = 'list-1';
export const at = '2026-03-01T09:00:00+03:30';

export const createStatic: CreateMarketingList = {
  type: 'CreateMarketingList',
  data: {
    listId,
    name: '  مشتریان صنعت فولاد ',
    memberType: 'account',
    kind: 'static',
    description: 'شرکت‌های فولادی اصفهان',
    ownerId: 'user-7',
    createdAt: at,
  },
};
export const staticCreated: MarketingListCreated = {
  type: 'MarketingListCreated',
  data: {
    listId,
    name: 'مشتریان صنعت فولاد',
    nameKey: 'مشتریانصنعتفولاد',
    memberType: 'account',
    kind: 'static',
    description: 'شرکت‌های فولادی اصفهان',
    ownerId: 'user-7',
    createdAt: at,
  },
};

export const add = (...memberIds: string[]): AddListMembers => ({ type: 'AddListMembers', data: { listId, memberIds, addedAt: at } });
export const remove = (...memberIds: string[]): RemoveListMembers => ({
  type: 'RemoveListMembers',
  data: { listId, memberIds, removedAt: at },
});
export const added = (...memberIds: string[]): MarketingListEvent => ({
  type: 'MarketingListMembersAdded',
  data: { listId, memberType: 'account', memberIds, addedAt: at },
});
export const removed = (...memberIds: string[]): MarketingListEvent => ({
  type: 'MarketingListMembersRemoved',
  data: { listId, memberType: 'account', memberIds, removedAt: at },
});

export const dynamicCreated: MarketingListCreated = {
  type: 'MarketingListCreated',
  data: {
    listId,
    name: 'سرنخ‌های نمایشگاه',
    nameKey: 'سرنخهاینمایشگاه',
    memberType: 'lead',
    kind: 'dynamic',
    criteria: { match: 'all', conditions: [{ field: 'source', operator: 'eq', value: 'event' }] },
    createdAt: at,
  },
};
