import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RecordCampaignCostRequestDto } from './record-campaign-cost.request.dto';

export class RecordCampaignCostCommand extends Command<CommandReply> {
  constructor(
    readonly campaignId: string,
    readonly input: Omit<RecordCampaignCostRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
