import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, ApiReplyAlso, type CommandContext, type CommandReply, Ctx, IdParam } from '@crm/shared/http';
import { AssignLeadCommand } from './assign-lead/assign-lead.command';
import { AssignLeadRequestDto } from './assign-lead/assign-lead.request.dto';
import { CaptureLeadCommand } from './capture-lead/capture-lead.command';
import { CaptureLeadRequestDto } from './capture-lead/capture-lead.request.dto';
import { DisqualifyLeadCommand } from './disqualify-lead/disqualify-lead.command';
import { DisqualifyLeadRequestDto } from './disqualify-lead/disqualify-lead.request.dto';
import { QualifyLeadCommand } from './qualify-lead/qualify-lead.command';
import { QualifyLeadRequestDto } from './qualify-lead/qualify-lead.request.dto';
import { UpdateLeadCommand } from './update-lead/update-lead.command';
import { UpdateLeadRequestDto } from './update-lead/update-lead.request.dto';
import { accountDecider, contactDecider, leadDecider, opportunityDecider } from '@crm/sales/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [leadDecider] };

@ApiTags('leads')
@Controller('leads')
export class LeadsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    ...DECIDES,
    refersTo: ['campaign'],
    summary: 'Capture a lead (سرنخ تجاری); a duplicate of an open lead by email or phone is refused unless allowDuplicate',
    creates: true,
  })
  capture(@Body() body: CaptureLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CaptureLeadCommand(body, context));
  }

  @Post(':id/update')
  @ApiCommandOn({ ...DECIDES, summary: "Change a lead's name, company, email, phone or interest" })
  update(@IdParam() id: string, @Body() body: UpdateLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new UpdateLeadCommand(id, body, context));
  }

  @Post(':id/assign')
  @ApiCommandOn({ ...DECIDES, summary: 'Give the lead to an owner' })
  assign(@IdParam() id: string, @Body() body: AssignLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AssignLeadCommand(id, body, context));
  }

  @Post(':id/qualify')
  @ApiReplyAlso(200, { contactId: 'uuid', accountId: 'uuid', opportunityId: 'uuid' })
  @ApiCommandOn({
    decides: [leadDecider, accountDecider, contactDecider, opportunityDecider],
    refersTo: ['contact', 'account'],
    summary: 'Qualify the lead: creates its contact, account (unless given) and opportunity; the reply names their ids',
  })
  qualify(@IdParam() id: string, @Body() body: QualifyLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new QualifyLeadCommand(id, body, context));
  }

  @Post(':id/disqualify')
  @ApiCommandOn({ ...DECIDES, summary: 'Disqualify the lead' })
  disqualify(@IdParam() id: string, @Body() body: DisqualifyLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new DisqualifyLeadCommand(id, body, context));
  }
}
