import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { leadDecider } from '@crm/sales/domain';
import { leadStream } from '../../common/streams';
import { LeadDedupe } from '../dedupe/lead-dedupe';
import { UpdateLeadCommand } from './update-lead.command';

@CommandHandler(UpdateLeadCommand)
export class UpdateLeadHandler implements ICommandHandler<UpdateLeadCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly dedupe: LeadDedupe,
  ) {}

  async execute({ leadId, input, context }: UpdateLeadCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { fullName, company, email, phone, interest } = input;
    const result = await this.executor.execute(
      leadDecider,
      leadStream(leadId),
      { type: 'UpdateLead', data: { leadId, fullName, company, email, phone, interest, updatedAt: now.toISOString() } },
      context,
      now,
    );
    // Also on a retry (the first events come back), so a crash before claiming converges.
    for (const event of result.events) {
      if (event.type === 'LeadUpdated' && event.data.matchKeys)
        await this.dedupe.claimMovedKeys(leadId, event.data.matchKeys, context, now);
    }
    return commandReply(leadId, result);
  }
}
