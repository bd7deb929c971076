import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CompleteCampaignRequestDto } from './complete-campaign.request.dto';

export class CompleteCampaignCommand extends Command<CommandReply> {
  constructor(
    readonly campaignId: string,
    readonly input: Omit<CompleteCampaignRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
