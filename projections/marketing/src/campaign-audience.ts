import {
  CAMPAIGN_CONSENT_CHANNEL,
  type CampaignChannel,
  type ListCriteria,
  type ListKind,
  type ListMemberType,
  TEXT_CRITERIA_FIELDS,
} from '@crm/marketing/domain';
import type { ContactChannel } from '@crm/sales/domain';
import { type FieldCondition, type ReadStore, tenantKey, type Where } from '@crm/shared/read-model';
import { audienceKey, type AudienceDoc } from './audience.projection';
import { matchesCriteria } from './list-criteria';
import type { ListMemberDoc, MarketingListDoc } from './marketing-lists.projection';

/**
 * The contact consent a campaign channel needs (API.md: marketing may only
 * target contacts with consent for that channel). Channels that do not
 * address a contact directly (web, social, events…) need none. The marketing
 * domain's map, checked here against the sales context's channel names.
 */
export const CONSENT_CHANNEL: Readonly<Record<CampaignChannel, ContactChannel | null>> = CAMPAIGN_CONSENT_CHANNEL;

export interface TargetListFigures {
  readonly listId: string;
  /** null when the list is not (yet) known to the read model. */
  readonly name: string | null;
  readonly kind: ListKind | null;
  readonly memberType: ListMemberType | null;
  readonly members: number;
}

export interface CampaignAudience {
  /** Distinct records across the target lists (one counted once however many lists hold it). */
  readonly targets: number;
  readonly targetsByType: Readonly<Record<ListMemberType, number>>;
  readonly reachable: {
    readonly consentChannel: ContactChannel | null;
    /** Contact targets that may be addressed: with consent on consentChannel, or all of them but the erased when it is null. */
    readonly contacts: number;
  };
  readonly lists: readonly TargetListFigures[];
  /**
   * Of the responders asked about (`type:id`, as CampaignDoc.responders), how many are among the targets and how many
   * are not (a forwarded message's reader, a record since taken off the lists): the response rate counts only the
   * first, so it never passes 1.
   */
  readonly responders: { readonly targeted: number; readonly untargeted: number };
}

export interface MarketingCollections {
  readonly lists: string;
  readonly members: string;
  readonly audience: string;
}

type Store = Pick<ReadStore, 'find' | 'getMany'>;

/**
 * Equality conditions of an all-match list narrow the scan in the store; every condition is still checked here. Not on
 * free text (TEXT_CRITERIA_FIELDS): it is stored as typed and compared here in one Persian spelling, which an exact
 * match in the store would undo (كاشي و سراميك is کاشی و سرامیک).
 */
function pushedDown(criteria: ListCriteria): Where {
  if (criteria.match !== 'all') return {};
  const where: Record<string, string | FieldCondition> = {};
  for (const { field, operator, value } of criteria.conditions) {
    if (field === 'consent' || TEXT_CRITERIA_FIELDS.includes(field)) continue;
    if (operator === 'eq' && typeof value === 'string') where[field] = value;
    if (operator === 'in' && Array.isArray(value)) where[field] = { in: [...value] };
  }
  return where;
}

async function membersOf(store: Store, collections: MarketingCollections, list: MarketingListDoc): Promise<string[]> {
  const { tenantId, listId, memberType } = list;
  if (list.kind === 'dynamic') {
    if (list.criteria === undefined) return [];
    const criteria = list.criteria;
    const where = { ...pushedDown(criteria), tenantId, memberType };
    const docs = await store.find<AudienceDoc>(collections.audience, { where });
    return docs.filter((record) => matchesCriteria(record.doc, criteria)).map((record) => record.doc.memberId);
  }
  const docs = await store.find<ListMemberDoc>(collections.members, { where: { tenantId, listId, status: 'member' } });
  return docs.map((record) => record.doc.memberId);
}

/** Whether a `type:id` responder is one of the targets. */
function targeted(targets: Readonly<Record<ListMemberType, ReadonlySet<string>>>, responder: string): boolean {
  const colon = responder.indexOf(':');
  const type = responder.slice(0, colon);
  return Object.hasOwn(targets, type) && targets[type as ListMemberType].has(responder.slice(colon + 1));
}

/**
 * Who a campaign targets now: static lists by membership, dynamic ones by evaluating their criteria on current
 * attributes; and which of its responders are among them, against that same set of targets.
 */
export async function loadCampaignAudience(
  store: Store,
  collections: MarketingCollections,
  tenantId: string,
  listIds: readonly string[],
  channel: CampaignChannel,
  responders: readonly string[] = [],
): Promise<CampaignAudience> {
  const found = await store.getMany<MarketingListDoc>(
    collections.lists,
    listIds.map((id) => tenantKey(tenantId, id)),
  );
  const targets = { lead: new Set<string>(), contact: new Set<string>(), account: new Set<string>() };
  const lists: TargetListFigures[] = [];
  for (const listId of listIds) {
    const list = found.get(tenantKey(tenantId, listId))?.doc;
    if (list === undefined) {
      lists.push({ listId, name: null, kind: null, memberType: null, members: 0 });
      continue;
    }
    const members = await membersOf(store, collections, list);
    for (const id of members) targets[list.memberType].add(id);
    lists.push({ listId, name: list.name, kind: list.kind, memberType: list.memberType, members: members.length });
  }
  const consentChannel = CONSENT_CHANNEL[channel];
  let contacts = targets.contact.size;
  if (contacts > 0) {
    // An erased person is addressed on no channel (their consent went with the erasure).
    const keys = [...targets.contact].map((id) => audienceKey(tenantId, 'contact', id));
    const docs = await store.getMany<AudienceDoc>(collections.audience, keys);
    const erased = [...docs.values()].filter((record) => record.doc.memberType === 'contact' && record.doc.erased === true).length;
    contacts =
      consentChannel === null
        ? contacts - erased
        : [...docs.values()].filter((record) => record.doc.memberType === 'contact' && record.doc.consent.includes(consentChannel)).length;
  }
  const inTargets = responders.filter((responder) => targeted(targets, responder)).length;
  return {
    targets: targets.lead.size + targets.contact.size + targets.account.size,
    targetsByType: { lead: targets.lead.size, contact: targets.contact.size, account: targets.account.size },
    reachable: { consentChannel, contacts },
    lists,
    responders: { targeted: inTargets, untargeted: responders.length - inTargets },
  };
}
