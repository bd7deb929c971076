import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { CommunicateDecision } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { CommunicateDecisionCommand } from './communicate-decision.command';

@CommandHandler(CommunicateDecisionCommand)
export class CommunicateDecisionHandler implements ICommandHandler<CommunicateDecisionCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  async execute({ complaintId, request, context }: CommunicateDecisionCommand): Promise<CommandReply> {
    const erased = await this.complaints.erasedIfLeftOut(complaintId, context, { decision: request.decision });
    return this.complaints.run(complaintId, context, (at): CommunicateDecision => ({
      type: 'CommunicateDecision',
      data: { decision: request.decision, channel: request.channel, at, ...erased },
    }));
  }
}
