import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { PlanCampaignRequestDto } from './plan-campaign.request.dto';

export class PlanCampaignCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<PlanCampaignRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
