import { streamIdOf, type Command, type Decider, type Event } from '@crm/shared/event-sourcing';
import { uuidV5 } from '@crm/shared/kernel';
import type { BlindIndex } from '@crm/shared/personal-data';

/**
 * One small stream per normalised contact key ('phone:+989121234567'),
 * recording which leads claimed the key. Appending a claim at the revision
 * that was read is what makes dedupe hold under concurrency: of two captures
 * that read the same claims, only one can append after them. A claim says
 * nothing about whether its lead is still open; the reader checks that on the
 * lead. A lead captured as an allowed duplicate claims too, so the key stays
 * guarded after the first holder is qualified.
 */
export const LEAD_KEY_CATEGORY = 'lead-key';

/**
 * What a key ('phone:+989121234567') is known by in claim streams, their names
 * and command ids: its kind and blind index ('phone:' + HMAC), never the
 * email or phone itself.
 */
export function blindLeadKey(index: BlindIndex, key: string): string {
  const colon = key.indexOf(':');
  return `${key.slice(0, colon + 1)}${index.of(key)}`;
}

/** `key` is the blind one (blindLeadKey). */
export function leadKeyStream(tenantId: string, key: string): string {
  return streamIdOf(LEAD_KEY_CATEGORY, uuidV5(`${tenantId}/${key}`));
}

/**
 * What a claim records of its key (`LeadKeyClaimed.key`): its kind and its claim stream's own id, which is the
 * tenant's. The blind index alone is the same in every tenant of an installation, so anyone reading the log could
 * link one person across tenants by it (an outside probe); the stream's id, of tenant and key, tells no more than
 * the stream's name. Claims written before keep the blind index (`crm-cli migrate` takes either as blind already).
 */
export function recordedClaimKey(tenantId: string, blindKey: string): string {
  const colon = blindKey.indexOf(':');
  return `${blindKey.slice(0, colon + 1)}${uuidV5(`${tenantId}/${blindKey}`)}`;
}

export type LeadKeyClaimed = Event<'LeadKeyClaimed', { key: string; leadId: string; claimedAt: string }>;
/**
 * A claim given back by a capture or update refused after it had claimed: written before a command and its claims
 * became one append (a refused one now writes neither); kept so the streams that have it replay.
 */
export type LeadKeyReleased = Event<'LeadKeyReleased', { key: string; leadId: string; releasedAt: string }>;
export type LeadKeyEvent = LeadKeyClaimed | LeadKeyReleased;

/**
 * `renew`: the lead takes back a key it moved away from (its old claim stands in the stream, but other leads took the
 * key for free meanwhile): claimed again, after every claim made since, at the revision read.
 */
export type ClaimLeadKey = Command<'ClaimLeadKey', { key: string; leadId: string; at: string; renew?: boolean }>;
export type ReleaseLeadKey = Command<'ReleaseLeadKey', { key: string; leadId: string; at: string }>;
export type LeadKeyCommand = ClaimLeadKey | ReleaseLeadKey;

export interface LeadKeyClaim {
  readonly leadId: string;
  readonly claimedAt: string;
}

/** Claims in the order they were made; the newest last. */
export interface LeadKeyState {
  readonly claims: readonly LeadKeyClaim[];
}

const holds = (state: LeadKeyState, leadId: string): boolean => state.claims.some((claim) => claim.leadId === leadId);

export const leadKeyDecider: Decider<LeadKeyState, LeadKeyCommand, LeadKeyEvent> = {
  initialState: () => ({ claims: [] }),
  decide: (command, state) => {
    const { key, leadId, at } = command.data;
    switch (command.type) {
      case 'ClaimLeadKey':
        return holds(state, leadId) && command.data.renew !== true
          ? []
          : [{ type: 'LeadKeyClaimed', data: { key, leadId, claimedAt: at } }];
      case 'ReleaseLeadKey':
        return holds(state, leadId) ? [{ type: 'LeadKeyReleased', data: { key, leadId, releasedAt: at } }] : [];
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'LeadKeyClaimed':
        // A renewed claim moves the lead's claim after every other (only renewals claim a key a lead holds already).
        return {
          claims: [
            ...state.claims.filter((claim) => claim.leadId !== event.data.leadId),
            { leadId: event.data.leadId, claimedAt: event.data.claimedAt },
          ],
        };
      case 'LeadKeyReleased':
        return { claims: state.claims.filter((claim) => claim.leadId !== event.data.leadId) };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};
