import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { QualifyLeadRequestDto } from './qualify-lead.request.dto';

/** Replies `{ id, revision, position, contactId, accountId, opportunityId }`. */
export class QualifyLeadCommand extends Command<CommandReply> {
  constructor(
    readonly leadId: string,
    readonly input: Omit<QualifyLeadRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
