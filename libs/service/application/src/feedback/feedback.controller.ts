import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, Ctx, IdParam, type CommandContext, type CommandReply } from '@crm/shared/http';
import { SubmitFeedbackCommand } from './submit-feedback/submit-feedback.command';
import { SubmitFeedbackRequestDto } from './submit-feedback/submit-feedback.request.dto';
import { AcknowledgeFeedbackCommand } from './acknowledge-feedback/acknowledge-feedback.command';
import { AcknowledgeFeedbackRequestDto } from './acknowledge-feedback/acknowledge-feedback.request.dto';
import { feedbackDecider } from '@crm/service/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [feedbackDecider] };

@ApiTags('feedback')
@Controller('feedback')
export class FeedbackController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account', 'opportunity', 'quote', 'complaint', 'campaign'],
    summary: 'Submit feedback (opinion, idea, praise)',
    creates: true,
  })
  submit(@Body() body: SubmitFeedbackRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new SubmitFeedbackCommand(body, ctx));
  }

  @Post(':id/acknowledge')
  @ApiCommandOn({
    ...DECIDES,
    summary: 'Acknowledge feedback to the person who gave it, with an optional reply',
    description:
      "Once per feedback (409 FEEDBACK.ALREADY_ACKNOWLEDGED after). The reply is sealed with the person's data; once they are erased, a reply is refused (409 PERSONAL_DATA.ERASED) and an acknowledgement without one is still recorded.",
  })
  acknowledge(@IdParam() id: string, @Body() body: AcknowledgeFeedbackRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AcknowledgeFeedbackCommand(id, body, ctx));
  }
}
