import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { accountDecider } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { UpdateAccountCommand } from './update-account.command';

@CommandHandler(UpdateAccountCommand)
export class UpdateAccountHandler implements ICommandHandler<UpdateAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ accountId, input, context }: UpdateAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { name, nationalId, industry, ownerId } = input;
    const data = { accountId, name, nationalId, industry, ownerId, updatedAt: now.toISOString() };
    return commandReply(
      accountId,
      await this.executor.execute(accountDecider, accountStream(accountId), { type: 'UpdateAccount', data }, context, now),
    );
  }
}
