import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CaptureLeadRequestDto } from './capture-lead.request.dto';

export class CaptureLeadCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<CaptureLeadRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
