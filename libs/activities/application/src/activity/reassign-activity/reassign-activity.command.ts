import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ReassignActivityRequestDto } from './reassign-activity.request.dto';

export class ReassignActivityCommand extends Command<CommandReply> {
  constructor(
    readonly activityId: string,
    readonly input: Omit<ReassignActivityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
