import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { contactDecider, type CreateContact } from '@crm/sales/domain';
import { contactStream } from '../../common/streams';
import { executeJoiningAccount } from '../../account/open-account-required';
import { CreateContactCommand } from './create-contact.command';

@CommandHandler(CreateContactCommand)
export class CreateContactHandler implements ICommandHandler<CreateContactCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: CreateContactCommand): Promise<CommandReply> {
    const { fullName, email, phone, accountId, preferredChannel } = input;
    const now = this.executor.now();
    const contactId = input.id ?? idFor(context, 'contact');
    const streamId = contactStream(contactId);
    const command: CreateContact = {
      type: 'CreateContact',
      data: { contactId, fullName, email, phone, accountId, preferredChannel, createdAt: now.toISOString() },
    };
    if (!accountId) return commandReply(contactId, await this.executor.execute(contactDecider, streamId, command, context, now));
    try {
      const joined = await executeJoiningAccount(this.executor, { decider: contactDecider, streamId, command }, context, now, {
        accountId,
        link: { contactId },
        field: 'accountId',
        doing: 'adding a contact to it',
      });
      return commandReply(contactId, joined);
    } catch (error) {
      // Sealed under a new key by an attempt the account's closing then refused: the key goes with the refusal.
      if (input.id === undefined) await this.executor.discardUnwrittenKeys(context, [streamId]);
      throw error;
    }
  }
}
