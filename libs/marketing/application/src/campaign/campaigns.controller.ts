import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, ApiReplyAlso, Ctx, IdParam, type CommandContext, type CommandReply } from '@crm/shared/http';
import { AddCampaignTargetListsCommand } from './add-campaign-target-lists/add-campaign-target-lists.command';
import { AddCampaignTargetListsRequestDto } from './add-campaign-target-lists/add-campaign-target-lists.request.dto';
import { CancelCampaignCommand } from './cancel-campaign/cancel-campaign.command';
import { CancelCampaignRequestDto } from './cancel-campaign/cancel-campaign.request.dto';
import { CompleteCampaignCommand } from './complete-campaign/complete-campaign.command';
import { CompleteCampaignRequestDto } from './complete-campaign/complete-campaign.request.dto';
import { PlanCampaignCommand } from './plan-campaign/plan-campaign.command';
import { PlanCampaignRequestDto } from './plan-campaign/plan-campaign.request.dto';
import { RecordCampaignCostCommand } from './record-campaign-cost/record-campaign-cost.command';
import { RecordCampaignCostRequestDto } from './record-campaign-cost/record-campaign-cost.request.dto';
import { RecordCampaignResponseCommand } from './record-campaign-response/record-campaign-response.command';
import { RecordCampaignResponseRequestDto } from './record-campaign-response/record-campaign-response.request.dto';
import { StartCampaignCommand } from './start-campaign/start-campaign.command';
import { StartCampaignRequestDto } from './start-campaign/start-campaign.request.dto';
import { campaignDecider } from '@crm/marketing/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [campaignDecider] };

@ApiTags('campaigns')
@Controller('campaigns')
export class CampaignsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({ ...DECIDES, summary: 'Plan a campaign (کمپین بازاریابی): goal, channel, budget and period', creates: true })
  plan(@Body() body: PlanCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new PlanCampaignCommand(body, context));
  }

  @Post(':id/target-lists')
  @ApiCommandOn({
    ...DECIDES,
    refersTo: ['marketing-list'],
    summary: 'Target marketing lists, while planned or active; lists already targeted are ignored',
  })
  addTargetLists(
    @IdParam() id: string,
    @Body() body: AddCampaignTargetListsRequestDto,
    @Ctx() context: CommandContext,
  ): Promise<CommandReply> {
    return this.commands.execute(new AddCampaignTargetListsCommand(id, body, context));
  }

  @Post(':id/start')
  @ApiCommandOn({ ...DECIDES, summary: 'Start a planned campaign that has at least one target list' })
  start(@IdParam() id: string, @Body() body: StartCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new StartCampaignCommand(id, body, context));
  }

  @Post(':id/costs')
  @ApiReplyAlso(200, { costId: 'uuid' })
  @ApiCommandOn({
    ...DECIDES,
    summary: "Record a cost in the budget's currency (meant when `currency` is absent); accepted in every status, late invoices included",
  })
  recordCost(@IdParam() id: string, @Body() body: RecordCampaignCostRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RecordCampaignCostCommand(id, body, context));
  }

  @Post(':id/responses')
  @ApiReplyAlso(200, { responseId: 'uuid' })
  @ApiCommandOn({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account'],
    summary:
      'Record a response from a lead, contact or account, targeted or not; while active and, arriving late, after completion. ' +
      "A contact's unsubscribe withdraws its consent for the campaign's channel",
  })
  recordResponse(
    @IdParam() id: string,
    @Body() body: RecordCampaignResponseRequestDto,
    @Ctx() context: CommandContext,
  ): Promise<CommandReply> {
    return this.commands.execute(new RecordCampaignResponseCommand(id, body, context));
  }

  @Post(':id/complete')
  @ApiCommandOn({ ...DECIDES, summary: 'Complete an active campaign' })
  complete(@IdParam() id: string, @Body() body: CompleteCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CompleteCampaignCommand(id, body, context));
  }

  @Post(':id/cancel')
  @ApiCommandOn({ ...DECIDES, summary: 'Call off a planned or active campaign, saying why' })
  cancel(@IdParam() id: string, @Body() body: CancelCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CancelCampaignCommand(id, body, context));
  }
}
