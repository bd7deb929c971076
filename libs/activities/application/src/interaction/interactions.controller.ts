import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, Ctx, type CommandContext, type CommandReply } from '@crm/shared/http';
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
  @ApiCommand({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account', 'opportunity', 'quote', 'complaint', 'campaign', 'activity'],
    summary: 'Log an interaction with a customer on any channel (the append-only interaction log)',
    creates: true,
  })
  log(@Body() body: LogInteractionRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new LogInteractionCommand(body, context));
  }
}
