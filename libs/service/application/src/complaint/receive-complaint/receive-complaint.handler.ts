import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { idFor, type CommandReply } from '@crm/shared/http';
import type { ReceiveComplaint } from '@crm/service/domain';
import { toParty, toRelatedTo } from '../../shared/party.dto';
import { requireReferences } from '../../shared/references';
import { ComplaintStreams } from '../complaint-streams';
import { ReceiveComplaintCommand } from './receive-complaint.command';

@CommandHandler(ReceiveComplaintCommand)
export class ReceiveComplaintHandler implements ICommandHandler<ReceiveComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  async execute({ request, context }: ReceiveComplaintCommand): Promise<CommandReply> {
    const complainant = toParty(request.complainant);
    const relatedTo = toRelatedTo(request.relatedTo);
    await requireReferences(this.complaints.store, context.tenantId, { party: { field: 'complainant', value: complainant }, relatedTo });
    // Derived from the command id when the client names none, so a retry finds the same complaint.
    const complaintId = request.id ?? idFor(context, 'complaint');
    return this.complaints.run(complaintId, context, (receivedAt): ReceiveComplaint => ({
      type: 'ReceiveComplaint',
      data: {
        complaintId,
        complainant,
        channel: request.channel,
        category: request.category,
        description: request.description,
        desiredRemedy: request.desiredRemedy,
        relatedTo,
        receivedAt,
      },
    }));
  }
}
