import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AddInvestigationNoteRequestDto } from './add-investigation-note.request.dto';

export class AddInvestigationNoteCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: AddInvestigationNoteRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
