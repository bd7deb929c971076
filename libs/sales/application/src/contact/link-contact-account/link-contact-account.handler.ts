import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { contactDecider } from '@crm/sales/domain';
import { contactStream } from '../../common/streams';
import { requireOpenAccount } from '../../account/open-account-required';
import { LinkContactAccountCommand } from './link-contact-account.command';

@CommandHandler(LinkContactAccountCommand)
export class LinkContactAccountHandler implements ICommandHandler<LinkContactAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ contactId, input, context }: LinkContactAccountCommand): Promise<CommandReply> {
    const { accountId } = input;
    await requireOpenAccount(this.executor.store, accountId, context.tenantId, 'accountId', 'linking a contact to it');
    const now = this.executor.now();
    const data = { contactId, accountId, linkedAt: now.toISOString() };
    return commandReply(
      contactId,
      await this.executor.execute(contactDecider, contactStream(contactId), { type: 'LinkContactToAccount', data }, context, now),
    );
  }
}
