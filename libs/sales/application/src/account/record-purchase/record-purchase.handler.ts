import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, toMoney } from '@crm/shared/http';
import { derivedId, uuidV5 } from '@crm/shared/kernel';
import { accountDecider } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { RecordPurchaseCommand } from './record-purchase.command';

/**
 * The external reference is the idempotency key of a purchase: the command id
 * follows from (tenant, account, ref), whatever Idempotency-Key came with it,
 * so an ERP that resends an invoice gets the first reply — same revision,
 * position and purchase id — and nothing is recorded twice.
 */
@CommandHandler(RecordPurchaseCommand)
export class RecordPurchaseHandler implements ICommandHandler<RecordPurchaseCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ accountId, input, context }: RecordPurchaseCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const externalRef = input.externalRef.trim();
    const commandId = uuidV5(`${context.tenantId}/${accountStream(accountId)}/purchase/${externalRef}`);
    const purchaseId = derivedId(commandId, 'purchase');
    const data = { accountId, purchaseId, amount: toMoney(input.amount), occurredAt: input.occurredAt, externalRef };
    const result = await this.executor.execute(
      accountDecider,
      accountStream(accountId),
      { type: 'RecordPurchase', data },
      { ...context, commandId },
      now,
    );
    // A ref recorded before this rule existed (other command id) is still a no-op; it keeps the id it was given.
    const recordedId = result.state.status === 'none' ? purchaseId : (result.state.purchaseRefs[externalRef] ?? purchaseId);
    return commandReply(accountId, result, { purchaseId: recordedId, externalRef });
  }
}
