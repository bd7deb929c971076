import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { LeadDedupe } from '../dedupe/lead-dedupe';
import { CaptureLeadCommand } from './capture-lead.command';

@CommandHandler(CaptureLeadCommand)
export class CaptureLeadHandler implements ICommandHandler<CaptureLeadCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly dedupe: LeadDedupe,
  ) {}

  async execute({ input, context }: CaptureLeadCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const leadId = input.id ?? idFor(context, 'lead');
    const { fullName, source, email, phone, company, interest, campaignId, ownerId, allowDuplicate } = input;
    const result = await this.dedupe.capture(
      {
        type: 'CaptureLead',
        data: {
          leadId,
          fullName,
          source,
          email,
          phone,
          company,
          interest,
          campaignId,
          ownerId,
          allowDuplicate,
          capturedAt: now.toISOString(),
        },
      },
      context,
      now,
    );
    return commandReply(leadId, result);
  }
}
