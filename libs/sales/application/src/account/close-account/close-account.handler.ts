import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { accountDecider } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { CloseAccountCommand } from './close-account.command';

@CommandHandler(CloseAccountCommand)
export class CloseAccountHandler implements ICommandHandler<CloseAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ accountId, input, context }: CloseAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { accountId, reason: input.reason, closedAt: now.toISOString() };
    return commandReply(
      accountId,
      await this.executor.execute(accountDecider, accountStream(accountId), { type: 'CloseAccount', data }, context, now),
    );
  }
}
