import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { campaignDecider } from '@crm/marketing/domain';
import { campaignStream } from '../../common/streams';
import { toCostAmount } from './cost-amount.dto';
import { RecordCampaignCostCommand } from './record-campaign-cost.command';

@CommandHandler(RecordCampaignCostCommand)
export class RecordCampaignCostHandler implements ICommandHandler<RecordCampaignCostCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ campaignId, input, context }: RecordCampaignCostCommand): Promise<CommandReply> {
    const now = this.executor.now();
    // Derived from the command id: a retried request answers with the cost it recorded the first time.
    const costId = idFor(context, 'campaign-cost');
    const data = {
      campaignId,
      costId,
      amount: toCostAmount(input.amount),
      description: input.description,
      incurredAt: input.incurredAt ?? now.toISOString(),
      recordedAt: now.toISOString(),
    };
    const result = await this.executor.execute(
      campaignDecider,
      campaignStream(campaignId),
      { type: 'RecordCampaignCost', data },
      context,
      now,
    );
    return commandReply(campaignId, result, { costId });
  }
}
