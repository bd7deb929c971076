import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { contactDecider } from '@crm/sales/domain';
import { contactStream } from '../../common/streams';
import { UpdateContactCommand } from './update-contact.command';

@CommandHandler(UpdateContactCommand)
export class UpdateContactHandler implements ICommandHandler<UpdateContactCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ contactId, input, context }: UpdateContactCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { fullName, email, phone, preferredChannel } = input;
    const data = { contactId, fullName, email, phone, preferredChannel, updatedAt: now.toISOString() };
    return commandReply(
      contactId,
      await this.executor.execute(contactDecider, contactStream(contactId), { type: 'UpdateContact', data }, context, now),
    );
  }
}
