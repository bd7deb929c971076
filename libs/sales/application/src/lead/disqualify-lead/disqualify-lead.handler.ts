import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { leadDecider } from '@crm/sales/domain';
import { leadStream } from '../../common/streams';
import { DisqualifyLeadCommand } from './disqualify-lead.command';

@CommandHandler(DisqualifyLeadCommand)
export class DisqualifyLeadHandler implements ICommandHandler<DisqualifyLeadCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ leadId, input, context }: DisqualifyLeadCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { leadId, reason: input.reason, note: input.note, disqualifiedAt: now.toISOString() };
    return commandReply(
      leadId,
      await this.executor.execute(leadDecider, leadStream(leadId), { type: 'DisqualifyLead', data }, context, now),
    );
  }
}
