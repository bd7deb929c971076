import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { feedbackDecider, type AcknowledgeFeedback } from '@crm/service/domain';
import { AcknowledgeFeedbackCommand } from './acknowledge-feedback.command';

@CommandHandler(AcknowledgeFeedbackCommand)
export class AcknowledgeFeedbackHandler implements ICommandHandler<AcknowledgeFeedbackCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ feedbackId, request, context }: AcknowledgeFeedbackCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const command: AcknowledgeFeedback = {
      type: 'AcknowledgeFeedback',
      data: {
        at: now.toISOString(),
        ...(request.reply === undefined ? {} : { reply: request.reply }),
        ...(request.channel === undefined ? {} : { channel: request.channel }),
      },
    };
    return commandReply(
      feedbackId,
      await this.executor.execute(feedbackDecider, streamIdOf('feedback', feedbackId), command, context, now),
    );
  }
}
