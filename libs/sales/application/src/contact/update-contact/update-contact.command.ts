import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { UpdateContactRequestDto } from './update-contact.request.dto';

export class UpdateContactCommand extends Command<CommandReply> {
  constructor(
    readonly contactId: string,
    readonly input: Omit<UpdateContactRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
