import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { opportunityDecider } from '@crm/sales/domain';
import { opportunityStream } from '../../common/streams';
import { ReopenOpportunityCommand } from './reopen-opportunity.command';

@CommandHandler(ReopenOpportunityCommand)
export class ReopenOpportunityHandler implements ICommandHandler<ReopenOpportunityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ opportunityId, input, context }: ReopenOpportunityCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const at = now.toISOString();
    const command = { type: 'ReopenOpportunity' as const, data: { opportunityId, reason: input.reason ?? 'unspecified', reopenedAt: at } };
    return commandReply(
      opportunityId,
      await this.executor.execute(opportunityDecider, opportunityStream(opportunityId), command, context, now),
    );
  }
}
