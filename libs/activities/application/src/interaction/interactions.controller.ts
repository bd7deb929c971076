import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiReplyAlso, Ctx, type CommandContext, type CommandReply } from '@crm/shared/http';
import { LogInteractionCommand } from './log-interaction/log-interaction.command';
import { LogInteractionRequestDto } from './log-interaction/log-interaction.request.dto';
import { interactionDecider } from '@crm/activities/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [interactionDecider] };

@ApiTags('interactions')
@Controller('interactions')
export class InteractionsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiReplyAlso(201, { withoutConsent: 'boolean?' })
  @ApiCommand({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account', 'opportunity', 'quote', 'complaint', 'campaign', 'activity'],
    summary: 'Log an interaction with a customer on any channel (the append-only interaction log)',
    description:
      "An outbound interaction logged by marketing (a caller whose roles include marketing and none of sales, service or admin) on a channel that needs the person's consent (phone, sms, email, letter), about a contact without that consent, a lead or a complainant not on file (who record none), is logged, since it happened, and flagged: `withoutConsent: true` in the reply and in the InteractionLogged event. Scheduling such an activity is refused (409 ACTIVITY.NO_CONSENT).",
    creates: true,
  })
  log(@Body() body: LogInteractionRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new LogInteractionCommand(body, context));
  }
}
