import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { marketingListDecider, type MarketingListEvent } from '@crm/marketing/domain';
import { requireAll } from '../../common/references';
import { marketingListStream } from '../../common/streams';
import { AddListMembersCommand } from './add-list-members.command';

/**
 * Members must be records of the list's member type that exist, so a typo cannot
 * put a phantom on a mailing. The member type never changes, so the list's first
 * event is all that is read, however long its history.
 */
@CommandHandler(AddListMembersCommand)
export class AddListMembersHandler implements ICommandHandler<AddListMembersCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ listId, input, context }: AddListMembersCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const streamId = marketingListStream(listId);
    const [recorded] = await store.readStream(streamId, { tenantId: context.tenantId, maxCount: 1 });
    if (recorded === undefined) throw new DomainError(NOT_FOUND['marketing-list'], `No marketing list with id ${listId}`, { id: listId });
    const first = { type: recorded.type, data: recorded.data } as MarketingListEvent;
    // A dynamic list is refused by the decider (LIST.NOT_STATIC); no point looking its ids up.
    if (first.type === 'MarketingListCreated' && first.data.kind === 'static') {
      const { memberType } = first.data;
      await requireAll(store, [...new Set(input.memberIds)], memberType, context.tenantId, 'memberIds');
    }
    const now = this.executor.now();
    const data = { listId, memberIds: input.memberIds, addedAt: now.toISOString() };
    return commandReply(
      listId,
      await this.executor.execute(marketingListDecider, streamId, { type: 'AddListMembers', data }, context, now),
    );
  }
}
