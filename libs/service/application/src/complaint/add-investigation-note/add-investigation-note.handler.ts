import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { AddInvestigationNote } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { AddInvestigationNoteCommand } from './add-investigation-note.command';

@CommandHandler(AddInvestigationNoteCommand)
export class AddInvestigationNoteHandler implements ICommandHandler<AddInvestigationNoteCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  execute({ complaintId, request, context }: AddInvestigationNoteCommand): Promise<CommandReply> {
    return this.complaints.run(complaintId, context, (at): AddInvestigationNote => ({
      type: 'AddInvestigationNote',
      data: { note: request.note, at },
    }));
  }
}
