import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RecordHandlingSatisfactionRequestDto } from './record-handling-satisfaction.request.dto';

export class RecordHandlingSatisfactionCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: RecordHandlingSatisfactionRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
