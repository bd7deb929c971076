import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { SubmitFeedbackRequestDto } from './submit-feedback.request.dto';

export class SubmitFeedbackCommand extends Command<CommandReply> {
  constructor(
    readonly request: SubmitFeedbackRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
