import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { leadDecider } from '@crm/sales/domain';
import { leadStream } from '../../common/streams';
import { AssignLeadCommand } from './assign-lead.command';

@CommandHandler(AssignLeadCommand)
export class AssignLeadHandler implements ICommandHandler<AssignLeadCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ leadId, input, context }: AssignLeadCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { leadId, ownerId: input.ownerId, assignedAt: now.toISOString() };
    return commandReply(leadId, await this.executor.execute(leadDecider, leadStream(leadId), { type: 'AssignLead', data }, context, now));
  }
}
