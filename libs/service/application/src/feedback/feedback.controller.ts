import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, Ctx, type CommandContext, type CommandReply } from '@crm/shared/http';
import { SubmitFeedbackCommand } from './submit-feedback/submit-feedback.command';
import { SubmitFeedbackRequestDto } from './submit-feedback/submit-feedback.request.dto';
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
}
