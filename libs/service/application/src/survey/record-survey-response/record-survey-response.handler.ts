import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { surveyResponseDecider, type RecordSurveyResponse } from '@crm/service/domain';
import { toParty, toRelatedTo } from '../../shared/party.dto';
import { requireReferences } from '../../shared/references';
import { RecordSurveyResponseCommand } from './record-survey-response.command';

@CommandHandler(RecordSurveyResponseCommand)
export class RecordSurveyResponseHandler implements ICommandHandler<RecordSurveyResponseCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ request, context }: RecordSurveyResponseCommand): Promise<CommandReply> {
    const respondent = toParty(request.respondent);
    const relatedTo = toRelatedTo(request.relatedTo);
    const { campaignId } = request;
    await requireReferences(this.executor.store, context.tenantId, {
      party: { field: 'respondent', value: respondent },
      relatedTo,
      campaignId,
    });
    const responseId = request.id ?? idFor(context, 'survey-response');
    const now = this.executor.now();
    const command: RecordSurveyResponse = {
      type: 'RecordSurveyResponse',
      data: {
        responseId,
        surveyType: request.surveyType,
        respondent,
        // Checked against the type once more by the decider, which rebuilds them from the checked scores.
        answers: request.answers,
        respondedAt: request.respondedAt ?? now.toISOString(),
        recordedAt: now.toISOString(),
        channel: request.channel,
        campaignId,
        relatedTo,
        comment: request.comment,
      },
    };
    const streamId = streamIdOf('survey-response', responseId);
    return commandReply(responseId, await this.executor.execute(surveyResponseDecider, streamId, command, context, now));
  }
}
