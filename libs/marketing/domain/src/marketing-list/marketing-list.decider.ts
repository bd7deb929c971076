import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { compact, matchKey, present, NOT_FOUND } from '@crm/shared/kernel';
import { distinct, readableName } from '../common/text';
import type {
  AddListMembers,
  CreateMarketingList,
  ListCriteria,
  ListMemberType,
  MarketingListCommand,
  RemoveListMembers,
} from './marketing-list.commands';
import { normalizeCriteria } from './marketing-list.criteria';
import type { MarketingListEvent } from './marketing-list.events';
import { LIST_REFUSALS } from './marketing-list.refusals';

/** The most ids one command may add or remove: larger imports are sent in batches. */
export const MAX_MEMBER_IDS_PER_COMMAND = 1000;

/** Member id → true. A plain object rather than a Set so snapshots survive JSON; read with Object.hasOwn. */
export type MemberSet = Readonly<Record<string, true>>;

interface ListIdentity {
  readonly listId: string;
  readonly memberType: ListMemberType;
}

export type StaticList = ListIdentity & { readonly status: 'active'; readonly kind: 'static'; readonly members: MemberSet };
export type DynamicList = ListIdentity & { readonly status: 'active'; readonly kind: 'dynamic'; readonly criteria: ListCriteria };
export type MarketingListState = { readonly status: 'none' } | StaticList | DynamicList;

function existing(state: MarketingListState): StaticList | DynamicList {
  if (state.status === 'none') throw new DomainError(NOT_FOUND['marketing-list'], 'No such marketing list');
  return state;
}

/** Members of a dynamic list are whoever matches its criteria; naming them by hand would be overwritten silently. */
function staticList(state: MarketingListState, memberIds: readonly string[]): StaticList {
  const list = existing(state);
  if (list.kind !== 'static') {
    throw new DomainError(
      LIST_REFUSALS.NOT_STATIC,
      'Members of a dynamic list follow its criteria; only static lists take members by hand',
      {
        listId: list.listId,
      },
    );
  }
  if (memberIds.length > MAX_MEMBER_IDS_PER_COMMAND) {
    throw new DomainError(
      LIST_REFUSALS.TOO_MANY_MEMBER_IDS,
      `At most ${MAX_MEMBER_IDS_PER_COMMAND} member ids per command; send larger sets in batches`,
      {
        fields: ['memberIds'],
        max: MAX_MEMBER_IDS_PER_COMMAND,
      },
    );
  }
  return list;
}

function criteriaFor({ kind, criteria, memberType }: CreateMarketingList['data']): ListCriteria | undefined {
  if (kind === 'static') {
    if (criteria !== undefined) {
      throw new DomainError(LIST_REFUSALS.CRITERIA_NOT_ALLOWED, 'A static list takes members by hand, not criteria', {
        fields: ['criteria'],
      });
    }
    return undefined;
  }
  if (criteria === undefined) {
    throw new DomainError(LIST_REFUSALS.CRITERIA_REQUIRED, 'A dynamic list needs criteria to select its members', { fields: ['criteria'] });
  }
  return normalizeCriteria(criteria, memberType);
}

/** A list's name as kept; refused (LIST.NAME_REQUIRED) when there is nothing to read in it. The edge checks it too. */
export function assertListName(name: string | undefined): string {
  return readableName(name, LIST_REFUSALS.NAME_REQUIRED, 'A marketing list needs a name');
}

function create({ data }: CreateMarketingList, state: MarketingListState): MarketingListEvent[] {
  if (state.status !== 'none')
    throw new DomainError(LIST_REFUSALS.ALREADY_EXISTS, 'Marketing list already exists', { listId: data.listId });
  const name = assertListName(data.name);
  const criteria = criteriaFor(data);
  const { listId, memberType, kind, ownerId, createdAt } = data;
  return [
    {
      type: 'MarketingListCreated',
      data: compact({
        listId,
        name,
        nameKey: matchKey(name),
        memberType,
        kind,
        criteria,
        description: present(data.description),
        ownerId: present(ownerId),
        createdAt,
      }),
    },
  ];
}

function addMembers({ data }: AddListMembers, state: MarketingListState): MarketingListEvent[] {
  const list = staticList(state, data.memberIds);
  const added = distinct(data.memberIds).filter((id) => !Object.hasOwn(list.members, id));
  if (added.length === 0) return [];
  const { listId, memberType } = list;
  return [{ type: 'MarketingListMembersAdded', data: { listId, memberType, memberIds: added, addedAt: data.addedAt } }];
}

function removeMembers({ data }: RemoveListMembers, state: MarketingListState): MarketingListEvent[] {
  const list = staticList(state, data.memberIds);
  const removed = distinct(data.memberIds).filter((id) => Object.hasOwn(list.members, id));
  if (removed.length === 0) return [];
  const { listId, memberType } = list;
  return [{ type: 'MarketingListMembersRemoved', data: { listId, memberType, memberIds: removed, removedAt: data.removedAt } }];
}

export function decideMarketingList(command: MarketingListCommand, state: MarketingListState): MarketingListEvent[] {
  switch (command.type) {
    case 'CreateMarketingList':
      return create(command, state);
    case 'AddListMembers':
      return addMembers(command, state);
    case 'RemoveListMembers':
      return removeMembers(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveMarketingList(state: MarketingListState, event: MarketingListEvent): MarketingListState {
  switch (event.type) {
    case 'MarketingListCreated': {
      const { listId, memberType, criteria } = event.data;
      return criteria === undefined
        ? { status: 'active', kind: 'static', listId, memberType, members: {} }
        : { status: 'active', kind: 'dynamic', listId, memberType, criteria };
    }
    case 'MarketingListMembersAdded': {
      if (state.status === 'none' || state.kind !== 'static') return state;
      // fromEntries defines own keys, so even an id like '__proto__' is a member like any other.
      const members = Object.fromEntries([...Object.entries(state.members), ...event.data.memberIds.map((id) => [id, true] as const)]);
      return { ...state, members };
    }
    case 'MarketingListMembersRemoved': {
      if (state.status === 'none' || state.kind !== 'static') return state;
      const removed = new Set(event.data.memberIds);
      return { ...state, members: Object.fromEntries(Object.entries(state.members).filter(([id]) => !removed.has(id))) };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const marketingListDecider: Decider<MarketingListState, MarketingListCommand, MarketingListEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideMarketingList,
  evolve: evolveMarketingList,
  isNew: (command) => command.type === 'CreateMarketingList',
  existence: { notFound: NOT_FOUND['marketing-list'], alreadyExists: LIST_REFUSALS.ALREADY_EXISTS },
  refusals: LIST_REFUSALS,
  // A static list can be fed member imports for years; snapshots keep loading it cheap.
  snapshot: { every: 100, version: 1 },
};
