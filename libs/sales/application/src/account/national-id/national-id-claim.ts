import { streamIdOf, type Command, type Decider, type Event } from '@crm/shared/event-sourcing';
import { uuidV5 } from '@crm/shared/kernel';
import type { BlindIndex } from '@crm/shared/personal-data';

/**
 * One small stream per national id in a tenant, recording which accounts took it, so that no two accounts have one
 * national id (a person's کد ملی or a company's شناسه ملی names one customer). The claim is appended with the account
 * event that gives the account the id, in one atomic append, at the revision of this stream that was read: of two
 * accounts racing for an id only one append lands. A claim says nothing about whether its account still has the id;
 * the reader checks that on the account (an account that moved to another id, or whose personal data was erased,
 * holds it no longer). A closed account keeps its id: reopen it rather than open a second one.
 */
export const NATIONAL_ID_CATEGORY = 'account-national-id';

/**
 * What a national id is known by in claim streams, their names and records: the tenant and its blind index
 * ('national-id:' + HMAC under the server secret), never the id itself, which is personal data.
 */
export function nationalIdClaimKey(index: BlindIndex, tenantId: string, nationalId: string): string {
  return uuidV5(`${tenantId}/national-id:${index.of(`national-id:${nationalId}`)}`);
}

/** `key` is nationalIdClaimKey's. */
export function nationalIdStream(key: string): string {
  return streamIdOf(NATIONAL_ID_CATEGORY, key);
}

export type AccountNationalIdClaimed = Event<'AccountNationalIdClaimed', { key: string; accountId: string; claimedAt: string }>;
export type NationalIdClaimEvent = AccountNationalIdClaimed;

export type ClaimNationalId = Command<'ClaimNationalId', { key: string; accountId: string; at: string }>;

export interface NationalIdClaim {
  readonly accountId: string;
  readonly claimedAt: string;
}

/** Claims in the order they were made, each account once (its latest); the newest last. */
export interface NationalIdClaims {
  readonly claims: readonly NationalIdClaim[];
}

export const nationalIdClaimDecider: Decider<NationalIdClaims, ClaimNationalId, NationalIdClaimEvent> = {
  initialState: () => ({ claims: [] }),
  // The account takes the id: claimed after every claim made so far, always, so that its append checks the stream at
  // the revision read. An account taking back an id whose newest claim is its own old one decided nothing before, and
  // an opening that took the id meanwhile landed beside it (an outside probe). A retry of the request is answered from
  // its record before it gets here, and a twin's claim has the same event id, which the store takes as one.
  decide: ({ data: { key, accountId, at } }) => [{ type: 'AccountNationalIdClaimed', data: { key, accountId, claimedAt: at } }],
  evolve: ({ claims }, { data: { accountId, claimedAt } }) => ({
    claims: [...claims.filter((claim) => claim.accountId !== accountId), { accountId, claimedAt }],
  }),
};
