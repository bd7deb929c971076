import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { feedbackDecider, type SubmitFeedback } from '@crm/service/domain';
import { toParty, toRelatedTo } from '../../shared/party.dto';
import { requireReferences } from '../../shared/references';
import { SubmitFeedbackCommand } from './submit-feedback.command';

@CommandHandler(SubmitFeedbackCommand)
export class SubmitFeedbackHandler implements ICommandHandler<SubmitFeedbackCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ request, context }: SubmitFeedbackCommand): Promise<CommandReply> {
    const from = toParty(request.from);
    const relatedTo = toRelatedTo(request.relatedTo);
    await requireReferences(this.executor.store, context.tenantId, { party: { field: 'from', value: from }, relatedTo });
    const feedbackId = request.id ?? idFor(context, 'feedback');
    const now = this.executor.now();
    const command: SubmitFeedback = {
      type: 'SubmitFeedback',
      data: {
        feedbackId,
        from,
        kind: request.kind,
        text: request.text,
        channel: request.channel,
        submittedAt: request.submittedAt ?? now.toISOString(),
        recordedAt: now.toISOString(),
        relatedTo,
      },
    };
    return commandReply(
      feedbackId,
      await this.executor.execute(feedbackDecider, streamIdOf('feedback', feedbackId), command, context, now),
    );
  }
}
