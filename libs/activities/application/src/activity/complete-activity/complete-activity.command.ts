import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CompleteActivityRequestDto } from './complete-activity.request.dto';

export class CompleteActivityCommand extends Command<CommandReply> {
  constructor(
    readonly activityId: string,
    readonly input: Omit<CompleteActivityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
