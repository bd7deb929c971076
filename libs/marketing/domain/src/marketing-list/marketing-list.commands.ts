import type { Command } from '@crm/shared/event-sourcing';

/** What a list holds: one kind of record per list. */
export type ListMemberType = 'account' | 'contact' | 'lead';

/** Static: members are added and removed by hand. Dynamic: members are whoever matches the criteria when asked. */
export type ListKind = 'static' | 'dynamic';

export type CriteriaOperator = 'eq' | 'neq' | 'in' | 'contains';

/**
 * One condition on a member's attributes. The fields a dynamic list may use
 * depend on its member type (LIST_CRITERIA_FIELDS); `contains` matches
 * normalised Persian text, `in` takes a list of values.
 */
export interface CriteriaCondition {
  readonly field: string;
  readonly operator: CriteriaOperator;
  readonly value: string | readonly string[];
}

export interface ListCriteria {
  /** all: every condition holds (AND); any: at least one (OR). */
  readonly match: 'all' | 'any';
  readonly conditions: readonly CriteriaCondition[];
}

/**
 * Attributes a dynamic list can select on, per member type. The read side
 * (the marketing audience projection) keeps exactly these per record.
 * - lead: source, status (open, qualified, disqualified), ownerId, campaignId, company
 * - account: industry, ownerId, status (active, closed), name
 * - contact: accountId, preferredChannel, consent (a channel with consent granted), fullName
 */
export const LIST_CRITERIA_FIELDS: Readonly<Record<ListMemberType, readonly string[]>> = {
  lead: ['source', 'status', 'ownerId', 'campaignId', 'company'],
  account: ['industry', 'ownerId', 'status', 'name'],
  contact: ['accountId', 'preferredChannel', 'consent', 'fullName'],
};

export type CreateMarketingList = Command<
  'CreateMarketingList',
  {
    listId: string;
    name: string;
    memberType: ListMemberType;
    kind: ListKind;
    /** Required for dynamic lists, refused for static ones. */
    criteria?: ListCriteria;
    description?: string;
    ownerId?: string;
    createdAt: string;
  }
>;

export type AddListMembers = Command<'AddListMembers', { listId: string; memberIds: readonly string[]; addedAt: string }>;

export type RemoveListMembers = Command<'RemoveListMembers', { listId: string; memberIds: readonly string[]; removedAt: string }>;

export type MarketingListCommand = CreateMarketingList | AddListMembers | RemoveListMembers;
