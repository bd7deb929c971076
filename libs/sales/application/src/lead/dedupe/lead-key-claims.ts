import { Inject, Injectable, Optional } from '@nestjs/common';
import { ConcurrencyConflictError, loadState, loadWithRevision, WrongExpectedRevisionError } from '@crm/shared/event-sourcing';
import { BLIND_INDEX, CommandExecutor, type CommandContext } from '@crm/shared/http';
import type { BlindIndex } from '@crm/shared/personal-data';
import { derivedId } from '@crm/shared/kernel';
import { leadDecider } from '@crm/sales/domain';
import { leadStream } from '../../common/streams';
import { blindLeadKey, leadKeyDecider, leadKeyStream, recordedClaimKey, type LeadKeyClaim, type LeadKeyCommand } from './lead-key-claim';

/**
 * Who holds a key, as seen by a capture of `leadId`. `revision` is the claim stream's, to append after;
 * `claims` the stream's claims read at that revision (its state), so a claim decided after it needs no second read.
 */
export type KeyHolder = { readonly claims: readonly LeadKeyClaim[] } & (
  | { readonly kind: 'free'; readonly revision: number | undefined }
  | { readonly kind: 'mine'; readonly revision: number }
  /** An open lead that still has this key. */
  | { readonly kind: 'held'; readonly leadId: string; readonly revision: number }
  /** Claimed by a capture whose lead is not recorded (yet): in flight, or crashed half-way. */
  | { readonly kind: 'pending'; readonly leadId: string; readonly revision: number }
);

export type ClaimOutcome =
  | Exclude<KeyHolder, { kind: 'free' }>
  /** This call added the lead's claim; `alongside` is the live lead it knowingly duplicates. */
  | { readonly kind: 'claimed'; readonly revision: number; readonly alongside?: string };

export interface LeadKeyClaimsOptions {
  /** How long a claim whose lead never appeared keeps its key: a capture that crashed between claim and lead. */
  readonly pendingTtlMs: number;
  /** How long to wait for an in-flight capture's lead to appear before calling its claim pending. */
  readonly pendingWaitMs: number;
}

export const LEAD_KEY_CLAIMS_OPTIONS = Symbol('LeadKeyClaimsOptions');
const DEFAULT_OPTIONS: LeadKeyClaimsOptions = { pendingTtlMs: 60_000, pendingWaitMs: 500 };
const POLL_MS = 20;
const MAX_ATTEMPTS = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

@Injectable()
export class LeadKeyClaims {
  private readonly options: LeadKeyClaimsOptions;

  constructor(
    private readonly executor: CommandExecutor,
    @Inject(BLIND_INDEX) private readonly index: BlindIndex,
    @Optional() @Inject(LEAD_KEY_CLAIMS_OPTIONS) options?: Partial<LeadKeyClaimsOptions>,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /**
   * What a key is known by in claim streams, their names and command ids: its
   * blind index ('phone:' + HMAC), never the email or phone itself.
   */
  blind(key: string): string {
    return blindLeadKey(this.index, key);
  }

  async holderOf(key: string, leadId: string, tenantId: string, now: Date): Promise<KeyHolder> {
    const { claims, revision } = await this.read(this.blind(key), tenantId);
    if (revision === undefined) return { kind: 'free', revision, claims };
    // Claims older than the lead's own were weighed when it claimed; a newer live one took the key over after it expired.
    const own = claims.findIndex((claim) => claim.leadId === leadId);
    let pending: LeadKeyClaim | undefined;
    for (const claim of claims.slice(own + 1).reverse()) {
      const lead = await loadState(this.executor.store, leadDecider, leadStream(claim.leadId), tenantId);
      // Qualified, disqualified or moved to another email/phone: that claim no longer guards the key.
      if (lead.status === 'open' && lead.lead.matchKeys.includes(key)) return { kind: 'held', leadId: claim.leadId, revision, claims };
      const young = now.getTime() - Date.parse(claim.claimedAt) < this.options.pendingTtlMs;
      if (lead.status === 'none' && young) pending ??= claim;
    }
    if (pending) {
      // A capture in flight records its lead within milliseconds of its claim; look again once it has.
      if (await this.waitForLead(pending.leadId, tenantId)) return this.holderOf(key, leadId, tenantId, now);
      return { kind: 'pending', leadId: pending.leadId, revision, claims };
    }
    return own >= 0 ? { kind: 'mine', revision, claims } : { kind: 'free', revision, claims };
  }

  /**
   * Adds the lead's claim on the key unless a live lead (or an in-flight
   * capture) holds it; with `alongside`, adds it even then, and names the live lead.
   */
  async claim(key: string, leadId: string, context: CommandContext, now: Date, alongside = false): Promise<ClaimOutcome> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const holder = await this.holderOf(key, leadId, context.tenantId, now);
      if (holder.kind === 'mine' || (!alongside && (holder.kind === 'held' || holder.kind === 'pending'))) return holder;
      try {
        // The revision read is part of the command id: a retry that read the same revision is the same claim.
        const blind = this.blind(key);
        const revision = await this.record(
          blind,
          { type: 'ClaimLeadKey', data: { key: recordedClaimKey(context.tenantId, blind), leadId, at: now.toISOString() } },
          context,
          now,
          {
            step: `claim:${blind}@${holder.revision ?? -1}`,
            expectedRevision: holder.revision ?? 'no_stream',
          },
        );
        return holder.kind === 'held' ? { kind: 'claimed', revision, alongside: holder.leadId } : { kind: 'claimed', revision };
      } catch (error) {
        // Someone claimed (or released) in between: look again at who holds it now.
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
    throw new ConcurrencyConflictError(leadKeyStream(context.tenantId, this.blind(key)), MAX_ATTEMPTS);
  }

  /** `key` is blind here and below. */
  private async read(key: string, tenantId: string): Promise<{ claims: readonly LeadKeyClaim[]; revision: number | undefined }> {
    const { state, revision } = await loadWithRevision(this.executor.store, leadKeyDecider, leadKeyStream(tenantId, key), tenantId);
    return { claims: state.claims, revision };
  }

  private async waitForLead(leadId: string, tenantId: string): Promise<boolean> {
    for (let waited = 0; waited < this.options.pendingWaitMs; waited += POLL_MS) {
      await sleep(POLL_MS);
      if ((await this.executor.store.streamRevision(leadStream(leadId), { tenantId })) !== undefined) return true;
    }
    return false;
  }

  private async record(
    key: string,
    command: LeadKeyCommand,
    context: CommandContext,
    now: Date,
    how: { step: string; expectedRevision?: number | 'no_stream' },
  ): Promise<number> {
    const claim: CommandContext = {
      ...context,
      // The claim's id derives from the request's, which answers for it: no copy of the body's fingerprint here (it
      // would be in clear, as a claim holds no personal field to seal it with).
      fingerprint: undefined,
      commandId: derivedId(context.commandId, how.step),
      correlationId: context.correlationId ?? context.commandId,
      causationId: context.commandId,
      expectedRevision: how.expectedRevision,
    };
    const result = await this.executor.execute(leadKeyDecider, leadKeyStream(context.tenantId, key), command, claim, now);
    return result.nextExpectedRevision;
  }
}
