import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CancelActivityRequestDto } from './cancel-activity.request.dto';

export class CancelActivityCommand extends Command<CommandReply> {
  constructor(
    readonly activityId: string,
    readonly input: Omit<CancelActivityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
