import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RemoveListMembersRequestDto } from './remove-list-members.request.dto';

export class RemoveListMembersCommand extends Command<CommandReply> {
  constructor(
    readonly listId: string,
    readonly input: Omit<RemoveListMembersRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
