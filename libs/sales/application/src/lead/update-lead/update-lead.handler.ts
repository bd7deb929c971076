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
    // Moving to another open lead's email or phone goes through dedupe, as capturing would.
    const claimed = await this.dedupe.claimForUpdate(leadId, { email, phone }, input.allowDuplicate === true, context, now);
    const result = await this.executor
      .execute(
        leadDecider,
        leadStream(leadId),
        { type: 'UpdateLead', data: { leadId, fullName, company, email, phone, interest, updatedAt: now.toISOString() } },
        context,
        now,
      )
      .catch(async (error: unknown) => {
        await this.dedupe.release(leadId, claimed, context, now);
        throw error;
      });
    // Also on a retry (the first events come back), so a crash before claiming converges.
    for (const event of result.events) {
      if (event.type === 'LeadUpdated' && event.data.matchKeys)
        await this.dedupe.claimMovedKeys(leadId, event.data.matchKeys, context, now);
    }
    return commandReply(leadId, result);
  }
}
