import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { personalDataErased } from '@crm/shared/personal-data';
import { accountDecider } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { CloseAccountCommand } from './close-account.command';

@CommandHandler(CloseAccountCommand)
export class CloseAccountHandler implements ICommandHandler<CloseAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ accountId, input, context }: CloseAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    // A reason left out: the key store says whether the account's personal data is erased (no reason can be sealed then).
    const erased =
      input.reason === undefined && (await personalDataErased(this.executor.store, context.tenantId, accountStream(accountId)));
    const data = { accountId, reason: input.reason, closedAt: now.toISOString(), personalDataErased: erased };
    return commandReply(
      accountId,
      await this.executor.execute(accountDecider, accountStream(accountId), { type: 'CloseAccount', data }, context, now),
    );
  }
}
