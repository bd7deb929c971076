import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { campaignDecider } from '@crm/marketing/domain';
import { requireAll, requireStream } from '../../common/references';
import { campaignStream } from '../../common/streams';
import { RecordCampaignResponseCommand } from './record-campaign-response.command';

@CommandHandler(RecordCampaignResponseCommand)
export class RecordCampaignResponseHandler implements ICommandHandler<RecordCampaignResponseCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ campaignId, input, context }: RecordCampaignResponseCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const streamId = campaignStream(campaignId);
    await requireStream(store, 'campaign', campaignId, context.tenantId);
    // Responses feed ROI and attribution: one from nobody on file would count a phantom.
    const { type, id } = input.targetId;
    await requireAll(store, [id], type, context.tenantId, 'targetId.id');
    const now = this.executor.now();
    const responseId = idFor(context, 'campaign-response');
    const data = {
      campaignId,
      responseId,
      targetId: { type, id },
      responseType: input.responseType,
      channel: input.channel,
      note: input.note,
      respondedAt: input.respondedAt ?? now.toISOString(),
    };
    const result = await this.executor.execute(campaignDecider, streamId, { type: 'RecordCampaignResponse', data }, context, now);
    return commandReply(campaignId, result, { responseId });
  }
}
