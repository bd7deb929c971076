import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { RecordHandlingSatisfaction } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { RecordHandlingSatisfactionCommand } from './record-handling-satisfaction.command';

@CommandHandler(RecordHandlingSatisfactionCommand)
export class RecordHandlingSatisfactionHandler implements ICommandHandler<RecordHandlingSatisfactionCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  execute({ complaintId, request, context }: RecordHandlingSatisfactionCommand): Promise<CommandReply> {
    return this.complaints.run(complaintId, context, (at): RecordHandlingSatisfaction => ({
      type: 'RecordHandlingSatisfaction',
      data: { score: request.score, comment: request.comment, respondedAt: request.respondedAt, at },
    }));
  }
}
