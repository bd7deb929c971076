import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { requireReference, streamIdOf } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
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
    const { fullName, source, email, phone, company, interest, campaignId, ownerId, allowDuplicate } = input;
    // A campaign lives in marketing, under its own category: it must exist in the caller's tenant.
    if (campaignId) {
      const { store } = this.executor;
      await requireReference(store, streamIdOf('campaign', campaignId), context.tenantId, NOT_FOUND.campaign, campaignId, 'campaignId');
    }
    const now = this.executor.now();
    const leadId = input.id ?? idFor(context, 'lead');
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
