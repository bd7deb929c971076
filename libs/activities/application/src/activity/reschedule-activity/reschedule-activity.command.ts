import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RescheduleActivityRequestDto } from './reschedule-activity.request.dto';

export class RescheduleActivityCommand extends Command<CommandReply> {
  constructor(
    readonly activityId: string,
    readonly input: Omit<RescheduleActivityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
