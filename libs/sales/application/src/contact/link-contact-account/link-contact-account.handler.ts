import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { contactDecider } from '@crm/sales/domain';
import { accountStream, contactStream } from '../../common/streams';
import { LinkContactAccountCommand } from './link-contact-account.command';
import { requireReference } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';

@CommandHandler(LinkContactAccountCommand)
export class LinkContactAccountHandler implements ICommandHandler<LinkContactAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ contactId, input, context }: LinkContactAccountCommand): Promise<CommandReply> {
    const { accountId } = input;
    await requireReference(this.executor.store, accountStream(accountId), context.tenantId, NOT_FOUND.account, accountId, 'accountId');
    const now = this.executor.now();
    const data = { contactId, accountId, linkedAt: now.toISOString() };
    return commandReply(
      contactId,
      await this.executor.execute(contactDecider, contactStream(contactId), { type: 'LinkContactToAccount', data }, context, now),
    );
  }
}
