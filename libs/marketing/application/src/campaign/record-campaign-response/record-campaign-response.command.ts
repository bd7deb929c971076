import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RecordCampaignResponseRequestDto } from './record-campaign-response.request.dto';

export class RecordCampaignResponseCommand extends Command<CommandReply> {
  constructor(
    readonly campaignId: string,
    readonly input: Omit<RecordCampaignResponseRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
