import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, type CommandContext, type CommandReply, Ctx, IdParam } from '@crm/shared/http';
import { LoseOpportunityCommand } from './lose-opportunity/lose-opportunity.command';
import { LoseOpportunityRequestDto } from './lose-opportunity/lose-opportunity.request.dto';
import { MoveOpportunityStageCommand } from './move-opportunity-stage/move-opportunity-stage.command';
import { MoveOpportunityStageRequestDto } from './move-opportunity-stage/move-opportunity-stage.request.dto';
import { OpenOpportunityCommand } from './open-opportunity/open-opportunity.command';
import { OpenOpportunityRequestDto } from './open-opportunity/open-opportunity.request.dto';
import { ProposeSolutionCommand } from './propose-solution/propose-solution.command';
import { ProposeSolutionRequestDto } from './propose-solution/propose-solution.request.dto';
import { ReopenOpportunityCommand } from './reopen-opportunity/reopen-opportunity.command';
import { ReopenOpportunityRequestDto } from './reopen-opportunity/reopen-opportunity.request.dto';
import { ReviseEstimateCommand } from './revise-estimate/revise-estimate.command';
import { ReviseEstimateRequestDto } from './revise-estimate/revise-estimate.request.dto';
import { WinOpportunityCommand } from './win-opportunity/win-opportunity.command';
import { WinOpportunityRequestDto } from './win-opportunity/win-opportunity.request.dto';
import { accountDecider, opportunityDecider } from '@crm/sales/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [opportunityDecider] };

@ApiTags('opportunities')
@Controller('opportunities')
export class OpportunitiesController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    decides: [opportunityDecider, accountDecider],
    refersTo: ['account', 'contact', 'campaign'],
    summary: 'Open an opportunity (فرصت فروش); its stage starts at qualification',
    creates: true,
  })
  open(@Body() body: OpenOpportunityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new OpenOpportunityCommand(body, context));
  }

  @Post(':id/propose-solution')
  @ApiCommandOn({ ...DECIDES, summary: 'Record the solution proposed for the need' })
  proposeSolution(@IdParam() id: string, @Body() body: ProposeSolutionRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ProposeSolutionCommand(id, body, context));
  }

  @Post(':id/move-stage')
  @ApiCommandOn({ ...DECIDES, summary: 'Move to another open stage; probability follows the stage unless given' })
  moveStage(@IdParam() id: string, @Body() body: MoveOpportunityStageRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new MoveOpportunityStageCommand(id, body, context));
  }

  @Post(':id/revise-estimate')
  @ApiCommandOn({ ...DECIDES, summary: 'Revise amount, probability or expected close date' })
  reviseEstimate(@IdParam() id: string, @Body() body: ReviseEstimateRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ReviseEstimateCommand(id, body, context));
  }

  @Post(':id/win')
  @ApiCommandOn({ ...DECIDES, summary: 'Win the deal; final until reopened' })
  win(@IdParam() id: string, @Body() body: WinOpportunityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new WinOpportunityCommand(id, body, context));
  }

  @Post(':id/lose')
  @ApiCommandOn({ ...DECIDES, summary: 'Lose the deal; final until reopened' })
  lose(@IdParam() id: string, @Body() body: LoseOpportunityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new LoseOpportunityCommand(id, body, context));
  }

  @Post(':id/reopen')
  @ApiCommandOn({ ...DECIDES, summary: 'Reopen a won or lost deal at the stage it was closed from' })
  reopen(@IdParam() id: string, @Body() body: ReopenOpportunityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ReopenOpportunityCommand(id, body, context));
  }
}
