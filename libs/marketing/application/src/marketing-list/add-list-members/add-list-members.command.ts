import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AddListMembersRequestDto } from './add-list-members.request.dto';

export class AddListMembersCommand extends Command<CommandReply> {
  constructor(
    readonly listId: string,
    readonly input: Omit<AddListMembersRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
