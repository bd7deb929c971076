import { streamIdOf } from '@crm/shared/event-sourcing';
import type { ListMemberType } from '@crm/marketing/domain';

/** Stream ids of the marketing aggregates, `{category}-{id}` as API.md names them. */
export const marketingListStream = (listId: string): string => streamIdOf('marketing-list', listId);
export const campaignStream = (campaignId: string): string => streamIdOf('campaign', campaignId);

/** Leads, contacts and accounts live in the sales context under their own categories. */
export const recordStream = (type: ListMemberType, id: string): string => streamIdOf(type, id);
