import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CreateContactRequestDto } from './create-contact.request.dto';

export class CreateContactCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<CreateContactRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
