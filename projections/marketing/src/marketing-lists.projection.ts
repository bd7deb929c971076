import type {
  ListCriteria,
  ListKind,
  ListMemberType,
  MarketingListCreated,
  MarketingListMembersAdded,
  MarketingListMembersRemoved,
} from '@crm/marketing/domain';
import { defineProjection, tenantKey } from '@crm/shared/read-model';
import { compact } from '@crm/shared/kernel';

/** One document per marketing list: what it holds and, for a dynamic one, who it selects. */
export interface MarketingListDoc {
  readonly tenantId: string;
  readonly listId: string;
  readonly name: string;
  readonly memberType: ListMemberType;
  readonly kind: ListKind;
  /** Dynamic lists only; `contains` values are matchKeys. */
  readonly criteria?: ListCriteria;
  readonly ownerId?: string;
  readonly createdAt: string;
}

export const marketingLists = defineProjection<MarketingListDoc, MarketingListCreated>({
  name: 'marketing-lists',
  version: 1,
  collection: 'marketing_lists',
  readsPersonalData: false,
  eventTypes: ['MarketingListCreated'],
  documentId: (event) => tenantKey(event.metadata.tenantId, event.data.listId),
  evolve(_doc, event) {
    const { listId, name, memberType, kind, criteria, ownerId, createdAt } = event.data;
    return { tenantId: event.metadata.tenantId, listId, name, memberType, kind, ...compact({ criteria, ownerId }), createdAt };
  },
});

/**
 * One document per (static list, member). A removed member keeps its document
 * as `removed` rather than being deleted, so the last change is always on
 * record and a re-added member simply flips back.
 */
export interface ListMemberDoc {
  readonly tenantId: string;
  readonly listId: string;
  readonly memberType: ListMemberType;
  readonly memberId: string;
  readonly status: 'member' | 'removed';
  readonly addedAt: string;
  readonly removedAt?: string;
}

type MemberEvent = MarketingListMembersAdded | MarketingListMembersRemoved;

export const listMemberKey = (tenantId: string, listId: string, memberId: string): string => tenantKey(tenantId, `${listId}:${memberId}`);

export const marketingListMembers = defineProjection<ListMemberDoc, MemberEvent>({
  name: 'marketing-list-members',
  version: 1,
  collection: 'marketing_list_members',
  readsPersonalData: false,
  eventTypes: ['MarketingListMembersAdded', 'MarketingListMembersRemoved'],
  indexes: [['tenantId', 'listId', 'status']],
  documentId: (event) => event.data.memberIds.map((memberId) => listMemberKey(event.metadata.tenantId, event.data.listId, memberId)),
  evolve(doc, event, id) {
    const { listId, memberType } = event.data;
    const memberId = id.slice(tenantKey(event.metadata.tenantId, `${listId}:`).length);
    switch (event.type) {
      case 'MarketingListMembersAdded':
        return { tenantId: event.metadata.tenantId, listId, memberType, memberId, status: 'member', addedAt: event.data.addedAt };
      case 'MarketingListMembersRemoved':
        // The decider only removes members; one never seen added has nothing to record.
        return doc && { ...doc, status: 'removed', removedAt: event.data.removedAt };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
});
