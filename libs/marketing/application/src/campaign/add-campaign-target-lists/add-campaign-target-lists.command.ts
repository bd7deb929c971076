import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AddCampaignTargetListsRequestDto } from './add-campaign-target-lists.request.dto';

export class AddCampaignTargetListsCommand extends Command<CommandReply> {
  constructor(
    readonly campaignId: string,
    readonly input: Omit<AddCampaignTargetListsRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
