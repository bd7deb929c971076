import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { opportunityDecider } from '@crm/sales/domain';
import { opportunityStream } from '../../common/streams';
import { LoseOpportunityCommand } from './lose-opportunity.command';

@CommandHandler(LoseOpportunityCommand)
export class LoseOpportunityHandler implements ICommandHandler<LoseOpportunityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ opportunityId, input, context }: LoseOpportunityCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const at = now.toISOString();
    const command = { type: 'LoseOpportunity' as const, data: { opportunityId, reason: input.reason, lostAt: at } };
    return commandReply(
      opportunityId,
      await this.executor.execute(opportunityDecider, opportunityStream(opportunityId), command, context, now),
    );
  }
}
