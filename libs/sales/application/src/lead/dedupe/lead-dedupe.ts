import { Injectable } from '@nestjs/common';
import { alreadyRecorded, type CommandResult, DomainError } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { contactMatchKeys, leadDecider, type CaptureLead, type LeadEvent, type LeadState } from '@crm/sales/domain';
import { leadStream } from '../../common/streams';
import { LeadKeyClaims } from './lead-key-claims';
import { LEAD_REFUSALS } from '@crm/sales/domain';

/**
 * Captures a lead so that no two open leads share a normalised email or
 * phone, without trusting a lagging read model.
 *
 * Order: claim every key first, then record the lead. A refused capture
 * (duplicate, invalid) therefore records no lead and gives back the keys it
 * took. A claim only counts while its lead is open and still has the key, so
 * qualifying, disqualifying or changing a phone frees a key without a write.
 * An allowed duplicate claims alongside the lead it duplicates.
 *
 * Failure modes:
 * - Two captures race for a key: both read the same claim revision, only one
 *   appends after it; the other re-reads, finds the winner (waiting briefly
 *   for its lead to appear) and is refused with LEAD.DUPLICATE naming it.
 * - Crash after claiming, before the lead is recorded: the claim names a lead
 *   that does not exist. The retry with the same Idempotency-Key finds its
 *   own claim ("mine") and records the lead. Without a retry, others get
 *   LEAD.CAPTURE_IN_PROGRESS until the claim is older than the pending TTL,
 *   after which the key is free.
 * - Crash after the lead, before the reply: the retry finds the lead event by
 *   its command id and returns the first reply; claims are already in place.
 */
@Injectable()
export class LeadDedupe {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly claims: LeadKeyClaims,
  ) {}

  async capture(command: CaptureLead, context: CommandContext, now: Date): Promise<CommandResult<LeadState, LeadEvent>> {
    const { leadId } = command.data;
    const { store } = this.executor;
    const record = (data: CaptureLead['data']) =>
      this.executor.execute(leadDecider, leadStream(leadId), { type: 'CaptureLead', data }, context, now);

    // A retry gets its first reply, whatever happened to the keys since; a reused lead id is refused by the store's rules.
    if (await alreadyRecorded(store, context.commandId, context.tenantId)) return record(command.data);
    if ((await store.streamRevision(leadStream(leadId), { tenantId: context.tenantId })) !== undefined) return record(command.data);
    // Refusals that need no other stream come first, so a refused capture claims nothing.
    leadDecider.decide(command, leadDecider.initialState());

    const allowDuplicate = command.data.allowDuplicate === true;
    const claimed: string[] = [];
    let duplicateOf: string | undefined;
    try {
      // Keys in a fixed order (email, then phone), so two captures sharing both cannot each hold one.
      for (const key of contactMatchKeys(command.data)) {
        const outcome = await this.claims.claim(key, leadId, context, now, allowDuplicate);
        if (outcome.kind === 'claimed') {
          claimed.push(key);
          duplicateOf ??= outcome.alongside;
        } else if (outcome.kind === 'held') {
          duplicateOf = outcome.leadId;
          break;
        } else if (outcome.kind === 'pending') {
          throw new DomainError(
            LEAD_REFUSALS.CAPTURE_IN_PROGRESS,
            'Another capture with the same email or phone has not finished; retry shortly',
            {
              pendingLeadId: outcome.leadId,
            },
          );
        }
      }
      // The decider refuses a duplicate unless allowed, and records which lead it duplicates when it is.
      return await record({ ...command.data, duplicateOfLeadId: duplicateOf });
    } catch (error) {
      if (!(await alreadyRecorded(store, context.commandId, context.tenantId))) {
        for (const key of claimed) await this.claims.release(key, leadId, context, now).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Before an update records a new email or phone: claims their keys as a
   * capture does, so one held by another open lead refuses the update
   * (LEAD.DUPLICATE naming that lead) unless allowDuplicate, and nothing is
   * recorded. Returns the keys newly claimed, for release if the update is refused.
   */
  async claimForUpdate(
    leadId: string,
    input: { readonly email?: string; readonly phone?: string },
    allowDuplicate: boolean,
    context: CommandContext,
    now: Date,
  ): Promise<string[]> {
    const claimed: string[] = [];
    const refuse = async (error: DomainError): Promise<never> => {
      await this.release(leadId, claimed, context, now);
      throw error;
    };
    for (const key of contactMatchKeys(input)) {
      const outcome = await this.claims.claim(key, leadId, context, now, allowDuplicate);
      if (outcome.kind === 'claimed') claimed.push(key);
      else if (outcome.kind === 'held') {
        await refuse(
          new DomainError(LEAD_REFUSALS.DUPLICATE, 'An open lead with the same email or phone exists', { existingLeadId: outcome.leadId }),
        );
      } else if (outcome.kind === 'pending') {
        await refuse(
          new DomainError(
            LEAD_REFUSALS.CAPTURE_IN_PROGRESS,
            'Another capture with the same email or phone has not finished; retry shortly',
            {
              pendingLeadId: outcome.leadId,
            },
          ),
        );
      }
    }
    return claimed;
  }

  async release(leadId: string, keys: readonly string[], context: CommandContext, now: Date): Promise<void> {
    for (const key of keys) await this.claims.release(key, leadId, context, now).catch(() => undefined);
  }

  /**
   * After an update moved the lead's email or phone: claims its new keys.
   * Updates are not refused as duplicates (API.md), so the claim is added
   * alongside any live holder, and the key stays guarded whichever closes first.
   */
  async claimMovedKeys(leadId: string, keys: readonly string[], context: CommandContext, now: Date): Promise<void> {
    for (const key of keys) await this.claims.claim(key, leadId, context, now, true);
  }
}
