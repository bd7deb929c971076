import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { StartCampaignRequestDto } from './start-campaign.request.dto';

export class StartCampaignCommand extends Command<CommandReply> {
  constructor(
    readonly campaignId: string,
    readonly input: Omit<StartCampaignRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
