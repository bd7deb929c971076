import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { accountDecider } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { ReopenAccountCommand } from './reopen-account.command';

@CommandHandler(ReopenAccountCommand)
export class ReopenAccountHandler implements ICommandHandler<ReopenAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ accountId, input, context }: ReopenAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { accountId, reason: input.reason, reopenedAt: now.toISOString() };
    return commandReply(
      accountId,
      await this.executor.execute(accountDecider, accountStream(accountId), { type: 'ReopenAccount', data }, context, now),
    );
  }
}
