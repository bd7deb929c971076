import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { accountDecider } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { OpenAccountCommand } from './open-account.command';

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: OpenAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const accountId = input.id ?? idFor(context, 'account');
    const { name, nationalId, industry, ownerId } = input;
    const data = { accountId, name, nationalId, industry, ownerId, openedAt: now.toISOString() };
    return commandReply(
      accountId,
      await this.executor.execute(accountDecider, accountStream(accountId), { type: 'OpenAccount', data }, context, now),
    );
  }
}
