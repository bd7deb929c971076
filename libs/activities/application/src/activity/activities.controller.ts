import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, ApiReplyAlso, Ctx, IdParam, type CommandContext, type CommandReply } from '@crm/shared/http';
import { CancelActivityCommand } from './cancel-activity/cancel-activity.command';
import { CancelActivityRequestDto } from './cancel-activity/cancel-activity.request.dto';
import { CompleteActivityCommand } from './complete-activity/complete-activity.command';
import { CompleteActivityRequestDto } from './complete-activity/complete-activity.request.dto';
import { ReassignActivityCommand } from './reassign-activity/reassign-activity.command';
import { ReassignActivityRequestDto } from './reassign-activity/reassign-activity.request.dto';
import { RescheduleActivityCommand } from './reschedule-activity/reschedule-activity.command';
import { RescheduleActivityRequestDto } from './reschedule-activity/reschedule-activity.request.dto';
import { ScheduleActivityCommand } from './schedule-activity/schedule-activity.command';
import { ScheduleActivityRequestDto } from './schedule-activity/schedule-activity.request.dto';
import { activityDecider } from '@crm/activities/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [activityDecider] };

// ApiReplyAlso documents scalar extras only; the cancel reply carries a list.
const CANCEL_REPLY = {
  type: 'object',
  required: ['id', 'revision', 'position', 'cancelled'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    revision: { type: 'integer' },
    position: { type: 'string' },
    cancelled: { type: 'array', items: { type: 'integer' }, description: 'Indexes of the occurrences cancelled' },
  },
};

@ApiTags('activities')
@Controller('activities')
export class ActivitiesController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiReplyAlso(201, { occurrences: 'integer' })
  @ApiCommand({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account', 'opportunity', 'quote', 'complaint', 'campaign'],
    summary: 'Schedule a phone call, appointment, task, email, letter or SMS, one-off or recurring, regarding any record',
    description:
      'A caller scheduling as marketing (role marketing, and neither sales, service nor admin) may address a person by ' +
      'phone call, email, SMS or letter only with their consent for that channel: about a contact whose latest word on ' +
      'it is a grant, with an address for it, not erased; never about a lead (a lead records no consent). Otherwise ' +
      '409 ACTIVITY.NO_CONSENT, and nothing is recorded. Appointments and tasks, and activities about accounts, deals and ' +
      'other records, need no consent; nor does the customer’s own business scheduled by sales or service.',
    creates: true,
  })
  schedule(@Body() body: ScheduleActivityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ScheduleActivityCommand(body, context));
  }

  @Post(':id/reschedule')
  @ApiReplyAlso(200, { occurrence: 'integer?' })
  @ApiCommandOn({ ...DECIDES, summary: 'Move one occurrence to a new due time; the same time records nothing' })
  reschedule(@IdParam() id: string, @Body() body: RescheduleActivityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RescheduleActivityCommand(id, body, context));
  }

  @Post(':id/reassign')
  @ApiCommandOn({ ...DECIDES, summary: 'Hand the activity to another person or team; the same assignee records nothing' })
  reassign(@IdParam() id: string, @Body() body: ReassignActivityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ReassignActivityCommand(id, body, context));
  }

  @Post(':id/complete')
  @ApiReplyAlso(200, { occurrence: 'integer?' })
  @ApiCommandOn({ ...DECIDES, summary: 'Complete one occurrence with its outcome' })
  complete(@IdParam() id: string, @Body() body: CompleteActivityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CompleteActivityCommand(id, body, context));
  }

  @Post(':id/cancel')
  @ApiResponse({ status: 200, description: 'Also: cancelled', schema: CANCEL_REPLY })
  @ApiCommandOn({ ...DECIDES, summary: 'Cancel one occurrence, or every one still open when none is named' })
  cancel(@IdParam() id: string, @Body() body: CancelActivityRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CancelActivityCommand(id, body, context));
  }
}
