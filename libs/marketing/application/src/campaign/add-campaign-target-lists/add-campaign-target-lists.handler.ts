import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { campaignDecider } from '@crm/marketing/domain';
import { requireAll, requireStream } from '../../common/references';
import { campaignStream } from '../../common/streams';
import { AddCampaignTargetListsCommand } from './add-campaign-target-lists.command';

@CommandHandler(AddCampaignTargetListsCommand)
export class AddCampaignTargetListsHandler implements ICommandHandler<AddCampaignTargetListsCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ campaignId, input, context }: AddCampaignTargetListsCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const streamId = campaignStream(campaignId);
    // An unknown campaign is the caller's first problem, before any list it names.
    await requireStream(store, 'campaign', campaignId, context.tenantId);
    await requireAll(store, [...new Set(input.listIds)], 'marketing-list', context.tenantId, 'listIds');
    const now = this.executor.now();
    const data = { campaignId, listIds: input.listIds, addedAt: now.toISOString() };
    return commandReply(
      campaignId,
      await this.executor.execute(campaignDecider, streamId, { type: 'AddCampaignTargetLists', data }, context, now),
    );
  }
}
