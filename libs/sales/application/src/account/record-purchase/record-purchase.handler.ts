import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, toMoney } from '@crm/shared/http';
import { derivedId, referenceKey, uuidV5 } from '@crm/shared/kernel';
import { ACCOUNT_REFUSALS, accountDecider, samePurchase, type AccountState } from '@crm/sales/domain';
import { checkExpectedRevision, DomainError, loadState } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';
import { accountStream } from '../../common/streams';
import { RecordPurchaseCommand } from './record-purchase.command';

/** A resent invoice answers with the first reply only if it is the same purchase; another amount or date is a conflict. */
function assertSamePurchase(state: AccountState, externalRef: string, amount: Money, occurredAt: string): void {
  const recorded = state.status === 'none' ? undefined : state.purchaseRefs[referenceKey(externalRef)];
  if (recorded === undefined) return;
  if (!samePurchase(recorded, amount, occurredAt)) {
    throw new DomainError(ACCOUNT_REFUSALS.PURCHASE_CONFLICT, `Purchase ${externalRef} was recorded with another amount or date`, {
      externalRef,
      recorded,
    });
  }
}

/**
 * The external reference is the idempotency key of a purchase: the command id
 * follows from (tenant, account, ref), so an ERP that resends an invoice, under
 * any Idempotency-Key or none, gets the first reply — same revision, position
 * and purchase id — and nothing is recorded twice. An Idempotency-Key given is
 * held as on every command: its answer is recorded under it (rememberKey), so
 * the key used again with another purchase is 422, not a second purchase.
 */
@CommandHandler(RecordPurchaseCommand)
export class RecordPurchaseHandler implements ICommandHandler<RecordPurchaseCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute(request: RecordPurchaseCommand): Promise<CommandReply> {
    const { accountId, input, context } = request;
    const of = { commandType: 'RecordPurchase', streamId: accountStream(accountId) };
    const answered = await this.executor.keyedAnswer(context, of);
    if (answered !== undefined) {
      const state = await loadState(this.executor.store, accountDecider, of.streamId, context.tenantId);
      const externalRef = input.externalRef.trim();
      const purchaseId = state.status === 'none' ? undefined : state.purchaseRefs[referenceKey(externalRef)]?.purchaseId;
      return { id: accountId, revision: answered.revision, position: answered.position ?? '0', purchaseId, externalRef };
    }
    const reply = await this.record(request);
    await this.executor.rememberKey(context, of, reply);
    return reply;
  }

  private async record({ accountId, input, context }: RecordPurchaseCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const externalRef = input.externalRef.trim();
    // Keyed by what a person reads: the same invoice number in Persian, Arabic-Indic or Latin digits, with Arabic
    // letters or a joiner, is one purchase (a ref of ASCII alone keys as it always did).
    const commandId = uuidV5(`${context.tenantId}/${accountStream(accountId)}/purchase/${referenceKey(externalRef)}`);
    const purchaseId = derivedId(commandId, 'purchase');
    const amount = toMoney(input.amount);
    const data = { accountId, purchaseId, amount, occurredAt: input.occurredAt, externalRef, recordedAt: now.toISOString() };
    const result = await this.executor.execute(
      accountDecider,
      accountStream(accountId),
      { type: 'RecordPurchase', data },
      // The reference is the idempotency key and the decider compares amount and date itself (409 on a mismatch), so no body fingerprint.
      { ...context, commandId, fingerprint: undefined },
      now,
    );
    if (result.duplicate) {
      try {
        assertSamePurchase(result.state, externalRef, amount, input.occurredAt);
      } catch (conflict) {
        // Another purchase under a recorded ref is not the change a stale If-Match was sent for: 412 first, as on any
        // command (the same invoice again is answered with its first reply, as RFC 9110 allows a change already made).
        if (context.expectedRevision !== undefined) {
          const stream = accountStream(accountId);
          checkExpectedRevision(
            stream,
            context.expectedRevision,
            await this.executor.store.streamRevision(stream, { tenantId: context.tenantId }),
          );
        }
        throw conflict;
      }
    }
    // A ref recorded before this rule existed, or in another script before refs were keyed (other command id), is still
    // a no-op; it keeps the id it was given.
    const recorded = result.state.status === 'none' ? undefined : result.state.purchaseRefs[referenceKey(externalRef)];
    const recordedId = recorded?.purchaseId ?? purchaseId;
    return commandReply(accountId, result, { purchaseId: recordedId, externalRef });
  }
}
