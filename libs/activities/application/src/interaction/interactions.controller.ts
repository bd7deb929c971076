import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, Ctx, type CommandContext, type CommandReply } from '@crm/shared/http';
import { LogInteractionCommand } from './log-interaction/log-interaction.command';
import { LogInteractionRequestDto } from './log-interaction/log-interaction.request.dto';

@ApiTags('interactions')
@Controller('interactions')
export class InteractionsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    summary: 'Log an interaction with a customer on any channel (the append-only interaction log)',
    creates: true,
    refusals: [
      'STREAM.ALREADY_EXISTS',
      'INTERACTION.IN_FUTURE (400)',
      'INTERACTION.UNKNOWN_REGARDING (400)',
      'INTERACTION.UNKNOWN_ACTIVITY (400)',
    ],
  })
  log(@Body() body: LogInteractionRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new LogInteractionCommand(body, context));
  }
}
