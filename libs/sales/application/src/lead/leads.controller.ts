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

const CLOSED = 'LEAD.CLOSED';

@ApiTags('leads')
@Controller('leads')
export class LeadsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    summary: 'Capture a lead (سرنخ تجاری); a duplicate of an open lead by email or phone is refused unless allowDuplicate',
    creates: true,
    refusals: ['LEAD.DUPLICATE (details.existingLeadId)', 'LEAD.CAPTURE_IN_PROGRESS', 'LEAD.NAME_REQUIRED', 'STREAM.ALREADY_EXISTS'],
  })
  capture(@Body() body: CaptureLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CaptureLeadCommand(body, context));
  }

  @Post(':id/update')
  @ApiCommandOn({ summary: "Change a lead's name, company, email, phone or interest", refusals: [CLOSED] })
  update(@IdParam() id: string, @Body() body: UpdateLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new UpdateLeadCommand(id, body, context));
  }

  @Post(':id/assign')
  @ApiCommandOn({ summary: 'Give the lead to an owner', refusals: [CLOSED] })
  assign(@IdParam() id: string, @Body() body: AssignLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AssignLeadCommand(id, body, context));
  }

  @Post(':id/qualify')
  @ApiReplyAlso(200, { contactId: 'uuid', accountId: 'uuid', opportunityId: 'uuid' })
  @ApiCommandOn({
    summary: 'Qualify the lead: creates its contact, account (unless given) and opportunity; the reply names their ids',
    refusals: [CLOSED, 'LEAD.ALREADY_QUALIFIED', 'CONTACT.NOT_FOUND (404)', 'ACCOUNT.NOT_FOUND (404)'],
  })
  qualify(@IdParam() id: string, @Body() body: QualifyLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new QualifyLeadCommand(id, body, context));
  }

  @Post(':id/disqualify')
  @ApiCommandOn({ summary: 'Disqualify the lead', refusals: [CLOSED] })
  disqualify(@IdParam() id: string, @Body() body: DisqualifyLeadRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new DisqualifyLeadCommand(id, body, context));
  }
}
