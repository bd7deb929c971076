import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ScheduleActivityRequestDto } from './schedule-activity.request.dto';

export class ScheduleActivityCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<ScheduleActivityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
