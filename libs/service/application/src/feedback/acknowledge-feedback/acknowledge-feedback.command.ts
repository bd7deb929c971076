import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AcknowledgeFeedbackRequestDto } from './acknowledge-feedback.request.dto';

export class AcknowledgeFeedbackCommand extends Command<CommandReply> {
  constructor(
    readonly feedbackId: string,
    readonly request: AcknowledgeFeedbackRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
