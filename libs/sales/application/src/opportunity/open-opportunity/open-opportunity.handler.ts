import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, idFor, toMoney } from '@crm/shared/http';
import { opportunityDecider, type OpenOpportunity } from '@crm/sales/domain';
import { contactStream, opportunityStream } from '../../common/streams';
import { executeJoiningAccount } from '../../account/open-account-required';
import { OpenOpportunityCommand } from './open-opportunity.command';
import { requireReference, streamIdOf } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';

@CommandHandler(OpenOpportunityCommand)
export class OpenOpportunityHandler implements ICommandHandler<OpenOpportunityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: OpenOpportunityCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const { accountId, contactId, name, need, expectedCloseDate, ownerId, campaignId } = input;
    if (contactId) await requireReference(store, contactStream(contactId), context.tenantId, NOT_FOUND.contact, contactId, 'contactId');
    // A campaign lives in marketing, under its own category: it must exist in the caller's tenant.
    if (campaignId) {
      await requireReference(store, streamIdOf('campaign', campaignId), context.tenantId, NOT_FOUND.campaign, campaignId, 'campaignId');
    }
    const now = this.executor.now();
    const opportunityId = input.id ?? idFor(context, 'opportunity');
    const data: OpenOpportunity['data'] = {
      opportunityId,
      accountId,
      contactId,
      name,
      need,
      amount: toMoney(input.amount),
      expectedCloseDate,
      ownerId,
      campaignId,
      openedAt: now.toISOString(),
    };
    const command: OpenOpportunity = { type: 'OpenOpportunity', data };
    const joined = await executeJoiningAccount(
      this.executor,
      { decider: opportunityDecider, streamId: opportunityStream(opportunityId), command },
      context,
      now,
      { accountId, link: { opportunityId }, field: 'accountId', doing: 'opening a deal' },
    );
    return commandReply(opportunityId, joined);
  }
}
