import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { contactDecider } from '@crm/sales/domain';
import { contactStream } from '../../common/streams';
import { requireOpenAccount } from '../../account/open-account-required';
import { CreateContactCommand } from './create-contact.command';

@CommandHandler(CreateContactCommand)
export class CreateContactHandler implements ICommandHandler<CreateContactCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: CreateContactCommand): Promise<CommandReply> {
    const { fullName, email, phone, accountId, preferredChannel } = input;
    if (accountId) await requireOpenAccount(this.executor.store, accountId, context.tenantId, 'accountId', 'adding a contact to it');
    const now = this.executor.now();
    const contactId = input.id ?? idFor(context, 'contact');
    const data = { contactId, fullName, email, phone, accountId, preferredChannel, createdAt: now.toISOString() };
    return commandReply(
      contactId,
      await this.executor.execute(contactDecider, contactStream(contactId), { type: 'CreateContact', data }, context, now),
    );
  }
}
