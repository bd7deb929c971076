import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { campaignDecider } from '@crm/marketing/domain';
import { campaignStream } from '../../common/streams';
import { StartCampaignCommand } from './start-campaign.command';

@CommandHandler(StartCampaignCommand)
export class StartCampaignHandler implements ICommandHandler<StartCampaignCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ campaignId, context }: StartCampaignCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { campaignId, startedAt: now.toISOString() };
    return commandReply(
      campaignId,
      await this.executor.execute(campaignDecider, campaignStream(campaignId), { type: 'StartCampaign', data }, context, now),
    );
  }
}
