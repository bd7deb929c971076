import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { campaignDecider } from '@crm/marketing/domain';
import { campaignStream } from '../../common/streams';
import { CancelCampaignCommand } from './cancel-campaign.command';

@CommandHandler(CancelCampaignCommand)
export class CancelCampaignHandler implements ICommandHandler<CancelCampaignCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ campaignId, input, context }: CancelCampaignCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { campaignId, reason: input.reason, cancelledAt: now.toISOString() };
    return commandReply(
      campaignId,
      await this.executor.execute(campaignDecider, campaignStream(campaignId), { type: 'CancelCampaign', data }, context, now),
    );
  }
}
