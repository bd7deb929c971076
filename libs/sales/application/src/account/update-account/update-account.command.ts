import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { UpdateAccountRequestDto } from './update-account.request.dto';

export class UpdateAccountCommand extends Command<CommandReply> {
  constructor(
    readonly accountId: string,
    readonly input: Omit<UpdateAccountRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
