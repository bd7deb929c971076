import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { marketingListDecider } from '@crm/marketing/domain';
import { marketingListStream } from '../../common/streams';
import { RemoveListMembersCommand } from './remove-list-members.command';

/** No lookups: an id that is not a member, existing or not, is simply not removed. */
@CommandHandler(RemoveListMembersCommand)
export class RemoveListMembersHandler implements ICommandHandler<RemoveListMembersCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ listId, input, context }: RemoveListMembersCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { listId, memberIds: input.memberIds, removedAt: now.toISOString() };
    return commandReply(
      listId,
      await this.executor.execute(marketingListDecider, marketingListStream(listId), { type: 'RemoveListMembers', data }, context, now),
    );
  }
}
