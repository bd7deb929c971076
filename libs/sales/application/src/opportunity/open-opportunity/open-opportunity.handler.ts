import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, idFor, toMoney } from '@crm/shared/http';
import { opportunityDecider } from '@crm/sales/domain';
import { accountStream, contactStream, opportunityStream } from '../../common/streams';
import { OpenOpportunityCommand } from './open-opportunity.command';
import { requireStream } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';

@CommandHandler(OpenOpportunityCommand)
export class OpenOpportunityHandler implements ICommandHandler<OpenOpportunityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: OpenOpportunityCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const { accountId, contactId, name, need, expectedCloseDate, ownerId, campaignId } = input;
    await requireStream(store, accountStream(accountId), context.tenantId, NOT_FOUND.account, accountId);
    if (contactId) await requireStream(store, contactStream(contactId), context.tenantId, NOT_FOUND.contact, contactId);
    const now = this.executor.now();
    const opportunityId = input.id ?? idFor(context, 'opportunity');
    const data = {
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
    return commandReply(
      opportunityId,
      await this.executor.execute(opportunityDecider, opportunityStream(opportunityId), { type: 'OpenOpportunity', data }, context, now),
    );
  }
}
