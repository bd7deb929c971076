import type { Event } from '@crm/shared/event-sourcing';
import type { ListCriteria, ListKind, ListMemberType } from './marketing-list.commands';

export type MarketingListCreated = Event<
  'MarketingListCreated',
  {
    listId: string;
    name: string;
    /** matchKey of the name, for search. */
    nameKey: string;
    memberType: ListMemberType;
    kind: ListKind;
    /** Present exactly when kind is dynamic; `contains` values are stored as matchKeys. */
    criteria?: ListCriteria;
    description?: string;
    ownerId?: string;
    createdAt: string;
  }
>;

/** Only the ids that were not members yet, in the order given, without repeats. */
export type MarketingListMembersAdded = Event<
  'MarketingListMembersAdded',
  { listId: string; memberType: ListMemberType; memberIds: string[]; addedAt: string }
>;

/** Only the ids that were members. */
export type MarketingListMembersRemoved = Event<
  'MarketingListMembersRemoved',
  { listId: string; memberType: ListMemberType; memberIds: string[]; removedAt: string }
>;

export type MarketingListEvent = MarketingListCreated | MarketingListMembersAdded | MarketingListMembersRemoved;
