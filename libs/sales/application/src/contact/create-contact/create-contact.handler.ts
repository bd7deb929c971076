import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { contactDecider } from '@crm/sales/domain';
import { accountStream, contactStream } from '../../common/streams';
import { CreateContactCommand } from './create-contact.command';
import { requireReference } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';

@CommandHandler(CreateContactCommand)
export class CreateContactHandler implements ICommandHandler<CreateContactCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: CreateContactCommand): Promise<CommandReply> {
    const { fullName, email, phone, accountId, preferredChannel } = input;
    if (accountId)
      await requireReference(this.executor.store, accountStream(accountId), context.tenantId, NOT_FOUND.account, accountId, 'accountId');
    const now = this.executor.now();
    const contactId = input.id ?? idFor(context, 'contact');
    const data = { contactId, fullName, email, phone, accountId, preferredChannel, createdAt: now.toISOString() };
    return commandReply(
      contactId,
      await this.executor.execute(contactDecider, contactStream(contactId), { type: 'CreateContact', data }, context, now),
    );
  }
}
