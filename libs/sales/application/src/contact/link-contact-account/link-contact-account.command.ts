import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { LinkContactAccountRequestDto } from './link-contact-account.request.dto';

export class LinkContactAccountCommand extends Command<CommandReply> {
  constructor(
    readonly contactId: string,
    readonly input: Omit<LinkContactAccountRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
