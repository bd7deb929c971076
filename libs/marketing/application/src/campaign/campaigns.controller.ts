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

const NOT_STARTED = 'CAMPAIGN.NOT_STARTED';
const COMPLETED = 'CAMPAIGN.COMPLETED';
const CANCELLED = 'CAMPAIGN.CANCELLED';

@ApiTags('campaigns')
@Controller('campaigns')
export class CampaignsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    summary: 'Plan a campaign (کمپین بازاریابی): goal, channel, budget and period',
    creates: true,
    refusals: [
      'CAMPAIGN.NAME_REQUIRED (400)',
      'CAMPAIGN.BUDGET_NEGATIVE (400)',
      'CAMPAIGN.END_BEFORE_START (400)',
      'STREAM.ALREADY_EXISTS',
    ],
  })
  plan(@Body() body: PlanCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new PlanCampaignCommand(body, context));
  }

  @Post(':id/target-lists')
  @ApiCommandOn({
    summary: 'Target marketing lists, while planned or active; lists already targeted are ignored',
    refusals: ['LIST.NOT_FOUND (404, names the missing ids)', COMPLETED, CANCELLED],
  })
  addTargetLists(
    @IdParam() id: string,
    @Body() body: AddCampaignTargetListsRequestDto,
    @Ctx() context: CommandContext,
  ): Promise<CommandReply> {
    return this.commands.execute(new AddCampaignTargetListsCommand(id, body, context));
  }

  @Post(':id/start')
  @ApiCommandOn({
    summary: 'Start a planned campaign that has at least one target list',
    refusals: ['CAMPAIGN.NO_TARGET_LISTS', 'CAMPAIGN.ALREADY_STARTED', COMPLETED, CANCELLED],
  })
  start(@IdParam() id: string, @Body() body: StartCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new StartCampaignCommand(id, body, context));
  }

  @Post(':id/costs')
  @ApiReplyAlso(200, { costId: 'uuid' })
  @ApiCommandOn({
    summary: "Record a cost in the budget's currency; accepted in every status, late invoices included",
    refusals: ['CAMPAIGN.COST_NOT_POSITIVE (400)', 'CAMPAIGN.CURRENCY_MISMATCH'],
  })
  recordCost(@IdParam() id: string, @Body() body: RecordCampaignCostRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RecordCampaignCostCommand(id, body, context));
  }

  @Post(':id/responses')
  @ApiReplyAlso(200, { responseId: 'uuid' })
  @ApiCommandOn({
    summary: 'Record a response from a lead, contact or account; while active and, arriving late, after completion',
    refusals: ['LEAD.NOT_FOUND | CONTACT.NOT_FOUND | ACCOUNT.NOT_FOUND (404)', NOT_STARTED, CANCELLED],
  })
  recordResponse(
    @IdParam() id: string,
    @Body() body: RecordCampaignResponseRequestDto,
    @Ctx() context: CommandContext,
  ): Promise<CommandReply> {
    return this.commands.execute(new RecordCampaignResponseCommand(id, body, context));
  }

  @Post(':id/complete')
  @ApiCommandOn({ summary: 'Complete an active campaign', refusals: [NOT_STARTED, COMPLETED, CANCELLED] })
  complete(@IdParam() id: string, @Body() body: CompleteCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CompleteCampaignCommand(id, body, context));
  }

  @Post(':id/cancel')
  @ApiCommandOn({
    summary: 'Call off a planned or active campaign, saying why',
    refusals: ['CAMPAIGN.REASON_REQUIRED (400)', COMPLETED, CANCELLED],
  })
  cancel(@IdParam() id: string, @Body() body: CancelCampaignRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CancelCampaignCommand(id, body, context));
  }
}
