import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { contactDecider, type LinkContactToAccount } from '@crm/sales/domain';
import { contactStream } from '../../common/streams';
import { executeJoiningAccount } from '../../account/open-account-required';
import { LinkContactAccountCommand } from './link-contact-account.command';

@CommandHandler(LinkContactAccountCommand)
export class LinkContactAccountHandler implements ICommandHandler<LinkContactAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ contactId, input, context }: LinkContactAccountCommand): Promise<CommandReply> {
    const { accountId } = input;
    const now = this.executor.now();
    const command: LinkContactToAccount = { type: 'LinkContactToAccount', data: { contactId, accountId, linkedAt: now.toISOString() } };
    const joined = await executeJoiningAccount(
      this.executor,
      { decider: contactDecider, streamId: contactStream(contactId), command },
      context,
      now,
      {
        accountId,
        link: { contactId },
        field: 'accountId',
        doing: 'linking a contact to it',
      },
    );
    return commandReply(contactId, joined);
  }
}
