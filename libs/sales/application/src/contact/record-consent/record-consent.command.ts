import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RecordConsentRequestDto } from './record-consent.request.dto';

export class RecordConsentCommand extends Command<CommandReply> {
  constructor(
    readonly contactId: string,
    readonly input: Omit<RecordConsentRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
