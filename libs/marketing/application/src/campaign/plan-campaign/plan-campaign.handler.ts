import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, toMoney, type CommandReply } from '@crm/shared/http';
import { campaignDecider } from '@crm/marketing/domain';
import { campaignStream } from '../../common/streams';
import { PlanCampaignCommand } from './plan-campaign.command';

@CommandHandler(PlanCampaignCommand)
export class PlanCampaignHandler implements ICommandHandler<PlanCampaignCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: PlanCampaignCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const campaignId = input.id ?? idFor(context, 'campaign');
    const { name, goal, channel, startDate, endDate, description, ownerId } = input;
    const data = {
      campaignId,
      name,
      goal,
      channel,
      budget: toMoney(input.budget),
      startDate,
      endDate,
      description,
      ownerId,
      plannedAt: now.toISOString(),
    };
    return commandReply(
      campaignId,
      await this.executor.execute(campaignDecider, campaignStream(campaignId), { type: 'PlanCampaign', data }, context, now),
    );
  }
}
