import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { campaignDecider } from '@crm/marketing/domain';
import { campaignStream } from '../../common/streams';
import { CompleteCampaignCommand } from './complete-campaign.command';

@CommandHandler(CompleteCampaignCommand)
export class CompleteCampaignHandler implements ICommandHandler<CompleteCampaignCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ campaignId, context }: CompleteCampaignCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { campaignId, completedAt: now.toISOString() };
    return commandReply(
      campaignId,
      await this.executor.execute(campaignDecider, campaignStream(campaignId), { type: 'CompleteCampaign', data }, context, now),
    );
  }
}
