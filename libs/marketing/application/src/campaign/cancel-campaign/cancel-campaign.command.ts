import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CancelCampaignRequestDto } from './cancel-campaign.request.dto';

export class CancelCampaignCommand extends Command<CommandReply> {
  constructor(
    readonly campaignId: string,
    readonly input: Omit<CancelCampaignRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
