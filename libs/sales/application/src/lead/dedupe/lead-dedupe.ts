import { Injectable } from '@nestjs/common';
import {
  alreadyRecorded,
  CommandRecordedMeanwhileError,
  type CommandResult,
  DomainError,
  IdempotencyConflictError,
  loadWithRevision,
  WrongExpectedRevisionError,
} from '@crm/shared/event-sourcing';
import { derivedId } from '@crm/shared/kernel';
import { CommandExecutor, commandIdIsNew, idFor, type CommandContext } from '@crm/shared/http';
import {
  contactMatchKeys,
  LEAD_REFUSALS,
  leadDecider,
  type CaptureLead,
  type LeadEvent,
  type LeadState,
  type UpdateLead,
} from '@crm/sales/domain';
import { leadStream } from '../../common/streams';
import { leadKeyDecider, leadKeyStream, recordedClaimKey } from './lead-key-claim';
import { LeadKeyClaims, type KeyHolder } from './lead-key-claims';

/**
 * Captures a lead so that no two open leads share a normalised email or
 * phone, without trusting a lagging read model.
 *
 * The lead and a claim on each of its keys are decided together and written
 * in one atomic append, each claim at the revision of the key's stream that
 * was read: a refused capture (duplicate, invalid) records nothing at all,
 * and of two captures racing for a key only one append lands. A claim only
 * counts while its lead is open and still has the key, so qualifying,
 * disqualifying or changing a phone frees a key without a write. An allowed
 * duplicate claims alongside the lead it duplicates.
 *
 * Failure modes:
 * - Two captures race for a key: both read the same claim revision, only one
 *   appends after it; the other reads again, finds the winner and is refused
 *   with LEAD.DUPLICATE naming it.
 * - Crash before or during the append: nothing was recorded; the retry with
 *   the same Idempotency-Key captures afresh.
 * - Crash after it, before the reply: the retry finds the lead event by its
 *   command id and returns the first reply.
 * - Claims recorded before captures were atomic may name a lead that never
 *   appeared: its retry finds its own claim ("mine"); others get
 *   LEAD.CAPTURE_IN_PROGRESS until the claim is older than the pending TTL.
 */
@Injectable()
export class LeadDedupe {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly claims: LeadKeyClaims,
  ) {}

  capture(command: CaptureLead, context: CommandContext, now: Date): Promise<CommandResult<LeadState, LeadEvent>> {
    const { leadId } = command.data;
    return this.executor.traced(
      command.type,
      leadStream(leadId),
      () => this.captureOrDiscard(command, context, now),
      (r) => r.duplicate,
    );
  }

  private async captureOrDiscard(command: CaptureLead, context: CommandContext, now: Date): Promise<CommandResult<LeadState, LeadEvent>> {
    const { leadId } = command.data;
    try {
      return await this.captureOnce(command, context, now);
    } catch (error) {
      // Its first attempt takes the keys as unclaimed and seals the lead under a new key before the store refuses the
      // append: that key goes with the refusal (a lead the server named only).
      if (leadId === idFor(context, 'lead')) await this.executor.discardUnwrittenKeys(context, [leadStream(leadId)]);
      throw error;
    }
  }

  private async captureOnce(command: CaptureLead, context: CommandContext, now: Date): Promise<CommandResult<LeadState, LeadEvent>> {
    const { leadId } = command.data;
    const { store } = this.executor;
    const { tenantId, commandId } = context;
    const record = (data: CaptureLead['data']) =>
      this.executor.execute(leadDecider, leadStream(leadId), { type: 'CaptureLead', data }, context, now);

    // A command id the server just made has no earlier run, nor a lead named after it: nothing to look up.
    const isNew = commandIdIsNew(context);
    const leadIsNew = isNew && leadId === idFor(context, 'lead');
    for (let attempt = 1; ; attempt += 1) {
      // A retry gets its first reply, whatever happened to the keys since; a reused lead id is refused by the store's rules.
      if (!isNew && (await alreadyRecorded(store, commandId, tenantId))) return record(command.data);
      if (!leadIsNew && (await store.streamRevision(leadStream(leadId), { tenantId })) !== undefined) return record(command.data);
      // Refusals that need no other stream come first.
      leadDecider.decide(command, leadDecider.initialState());
      // A lead the server just named has claimed nothing, and most people captured are new: the first attempt takes
      // every key to be unclaimed and appends its claims expecting no stream, which the store refuses if any key was
      // ever claimed; the next attempt reads who holds them, as every attempt did before.
      const { holders, duplicateOf } = leadIsNew && attempt === 1 ? unclaimed(command) : await this.holders(command, tenantId, now);
      try {
        return await this.recordWithClaims(
          leadId,
          { type: 'CaptureLead', data: { ...command.data, duplicateOfLeadId: duplicateOf } },
          holders,
          context,
          now,
        );
      } catch (error) {
        // A key or the lead moved since it was read (another capture got there first): look again.
        // Or a twin of this request recorded it meanwhile (CommandRecordedMeanwhileError): the next attempt answers from the record.
        const raced =
          error instanceof WrongExpectedRevisionError ||
          error instanceof IdempotencyConflictError ||
          error instanceof CommandRecordedMeanwhileError;
        if (!raced || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * An update and the claims on the email and phone it records, in one atomic append, as a capture: a key another
   * open lead holds refuses it (LEAD.DUPLICATE naming that lead) unless allowDuplicate, a capture in flight with
   * the key refuses it (LEAD.CAPTURE_IN_PROGRESS), and an update refused for any reason (an unknown or closed lead,
   * a stale If-Match, a duplicate) records nothing at all: no claim is made and then given back.
   */
  update(command: UpdateLead, allowDuplicate: boolean, context: CommandContext, now: Date): Promise<CommandResult<LeadState, LeadEvent>> {
    return this.executor.traced(
      command.type,
      leadStream(command.data.leadId),
      () => this.updateWithClaims(command, allowDuplicate, context, now),
      (r) => r.duplicate,
    );
  }

  private async updateWithClaims(
    command: UpdateLead,
    allowDuplicate: boolean,
    context: CommandContext,
    now: Date,
  ): Promise<CommandResult<LeadState, LeadEvent>> {
    const { leadId } = command.data;
    const { store } = this.executor;
    const { tenantId, commandId } = context;
    const streamId = leadStream(leadId);
    // A command id the server just made has no earlier run to answer from, as for a capture.
    const isNew = commandIdIsNew(context);
    for (let attempt = 1; ; attempt += 1) {
      if (!isNew && (await alreadyRecorded(store, commandId, tenantId))) {
        // A retry gets its first reply. An update recorded before its claims were part of its append claims them now.
        const result = await this.executor.execute(leadDecider, streamId, command, context, now);
        for (const event of result.events) {
          if (event.type === 'LeadUpdated' && event.data.matchKeys) await this.claimMovedKeys(leadId, event.data.matchKeys, context, now);
        }
        return result;
      }
      // Refusals of the lead itself (unknown, closed, nothing valid to change) come before any key is looked at.
      const { state } = await loadWithRevision(store, leadDecider, streamId, tenantId);
      leadDecider.decide(command, state);
      const holds = new Set(state.status === 'none' ? [] : state.lead.matchKeys);
      const holders: { key: string; holder: KeyHolder }[] = [];
      for (const key of contactMatchKeys(command.data)) {
        const holder = await this.claims.holderOf(key, leadId, tenantId, now);
        if (holder.kind === 'pending') throw captureInProgress(holder.leadId);
        if (holder.kind === 'held' && !allowDuplicate) {
          throw new DomainError(LEAD_REFUSALS.DUPLICATE, 'An open lead with the same email or phone exists', {
            existingLeadId: holder.leadId,
          });
        }
        holders.push({ key, holder });
      }
      try {
        return await this.recordWithClaims(leadId, command, holders, context, now, holds);
      } catch (error) {
        // The lead or a key moved since it was read: look again; unless the caller named the lead's revision (If-Match).
        if (error instanceof CommandRecordedMeanwhileError && attempt < MAX_ATTEMPTS) continue;
        const named = context.expectedRevision !== undefined && error instanceof WrongExpectedRevisionError && error.streamId === streamId;
        if (!(error instanceof WrongExpectedRevisionError) || named || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Claims keys an update already recorded (one recorded before updates and their claims were one append).
   * Updates are not refused as duplicates then, so the claim is added alongside any live holder, and the key stays
   * guarded whichever lead closes first.
   */
  async claimMovedKeys(leadId: string, keys: readonly string[], context: CommandContext, now: Date): Promise<void> {
    for (const key of keys) await this.claims.claim(key, leadId, context, now, true);
  }

  /** Who holds each key now, in a fixed order (email, then phone); stops at a live holder unless duplicates are allowed. */
  private async holders(command: CaptureLead, tenantId: string, now: Date) {
    const { leadId } = command.data;
    const allowDuplicate = command.data.allowDuplicate === true;
    const holders: { key: string; holder: KeyHolder }[] = [];
    let duplicateOf: string | undefined;
    for (const key of contactMatchKeys(command.data)) {
      const holder = await this.claims.holderOf(key, leadId, tenantId, now);
      if (holder.kind === 'pending') throw captureInProgress(holder.leadId);
      if (holder.kind === 'held') {
        duplicateOf ??= holder.leadId;
        // The decider refuses the duplicate: no need to look at the other keys.
        if (!allowDuplicate) break;
      }
      holders.push({ key, holder });
    }
    return { holders, duplicateOf };
  }

  /** The lead's command and its claims in one atomic append; the decider refuses a duplicate capture unless allowed. */
  private async recordWithClaims(
    leadId: string,
    command: CaptureLead | UpdateLead,
    holders: readonly { key: string; holder: KeyHolder }[],
    context: CommandContext,
    now: Date,
    /** The keys the lead has now: one of its own claims guards those; a key it takes back is claimed anew. */
    holds: ReadonlySet<string> = new Set(),
  ): Promise<CommandResult<LeadState, LeadEvent>> {
    const { tenantId, commandId, correlationId, actor } = context;
    const streamId = leadStream(leadId);
    const outcome = await this.executor.atomically(tenantId, now, async (tx) => {
      const lead = await tx.decide(leadDecider, streamId, command, this.executor.commandOptions(context));
      for (const { key: plain, holder } of holders) {
        // An old claim of the lead guards a key it still has. A key it moved away from and now takes back was free for
        // anyone meanwhile: claimed again at the revision read, so a capture that took it since refuses this append.
        // Before, no claim was appended and both landed (two open leads with one phone; an outside race probe).
        const renew = holder.kind === 'mine' && !holds.has(plain);
        if (holder.kind === 'mine' && !renew) continue;
        const key = this.claims.blind(plain);
        // The revision read is part of the command id: a retry that read the same revision is the same claim.
        // Decided from the claims read for `holders` (pinned at their revision), not from a second read.
        await tx.decide(
          leadKeyDecider,
          leadKeyStream(tenantId, key),
          {
            type: 'ClaimLeadKey',
            data: { key: recordedClaimKey(tenantId, key), leadId, at: now.toISOString(), ...(renew ? { renew } : {}) },
          },
          {
            commandId: derivedId(commandId, `claim:${key}@${holder.revision ?? -1}`),
            correlationId: correlationId ?? commandId,
            causationId: commandId,
            actor,
            expectedRevision: holder.revision ?? 'no_stream',
          },
          { state: { claims: holder.claims }, revision: holder.revision },
        );
      }
      return lead;
    });
    const written = outcome.streams.get(streamId);
    return {
      streamId,
      commandId,
      // Nothing to change (an update giving the lead's own values): the lead as it stands, as any other command answers.
      nextExpectedRevision: written?.nextExpectedRevision ?? outcome.value.read.revision ?? -1,
      // The lead's own position, as a retry answers: the claims matter to no view.
      position: written?.position ?? outcome.value.read.position,
      events: outcome.value.events,
      state: outcome.value.state,
      duplicate: false,
    };
  }
}

const MAX_ATTEMPTS = 5;

/** Each of the capture's keys as never claimed: what `holders` finds when no key stream exists. */
function unclaimed(command: CaptureLead): { holders: { key: string; holder: KeyHolder }[]; duplicateOf: undefined } {
  return {
    holders: contactMatchKeys(command.data).map((key) => ({ key, holder: { kind: 'free', revision: undefined, claims: [] } })),
    duplicateOf: undefined,
  };
}

function captureInProgress(pendingLeadId: string): DomainError {
  return new DomainError(
    LEAD_REFUSALS.CAPTURE_IN_PROGRESS,
    'Another capture with the same email or phone has not finished; retry shortly',
    {
      pendingLeadId,
    },
  );
}
