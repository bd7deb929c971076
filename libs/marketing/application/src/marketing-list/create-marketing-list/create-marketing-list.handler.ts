import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { marketingListDecider } from '@crm/marketing/domain';
import { marketingListStream } from '../../common/streams';
import { toCriteria } from '../list-criteria.dto';
import { CreateMarketingListCommand } from './create-marketing-list.command';

@CommandHandler(CreateMarketingListCommand)
export class CreateMarketingListHandler implements ICommandHandler<CreateMarketingListCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: CreateMarketingListCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const listId = input.id ?? idFor(context, 'marketing-list');
    const { name, memberType, kind, description, ownerId } = input;
    const criteria = input.criteria === undefined ? undefined : toCriteria(input.criteria);
    const data = { listId, name, memberType, kind, criteria, description, ownerId, createdAt: now.toISOString() };
    return commandReply(
      listId,
      await this.executor.execute(marketingListDecider, marketingListStream(listId), { type: 'CreateMarketingList', data }, context, now),
    );
  }
}
