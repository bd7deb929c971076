import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
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
    // Moving to another open lead's email or phone goes through dedupe, as capturing would: one append, or nothing.
    const result = await this.dedupe.update(
      { type: 'UpdateLead', data: { leadId, fullName, company, email, phone, interest, updatedAt: now.toISOString() } },
      input.allowDuplicate === true,
      context,
      now,
    );
    return commandReply(leadId, result);
  }
}
