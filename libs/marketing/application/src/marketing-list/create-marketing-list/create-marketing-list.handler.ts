import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { marketingListDecider } from '@crm/marketing/domain';
import { marketingListStream } from '../../common/streams';
import { assertKnownCriteriaValues } from '../criteria-values';
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
    // The decider checks the criteria's shape and fields; the values of enumerated fields are the sales context's.
    if (kind === 'dynamic' && criteria !== undefined) assertKnownCriteriaValues(criteria, memberType);
    const data = { listId, name, memberType, kind, criteria, description, ownerId, createdAt: now.toISOString() };
    return commandReply(
      listId,
      await this.executor.execute(marketingListDecider, marketingListStream(listId), { type: 'CreateMarketingList', data }, context, now),
    );
  }
}
