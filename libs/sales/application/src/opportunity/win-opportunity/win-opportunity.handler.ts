import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, toMoney } from '@crm/shared/http';
import { opportunityDecider } from '@crm/sales/domain';
import { opportunityStream } from '../../common/streams';
import { WinOpportunityCommand } from './win-opportunity.command';

@CommandHandler(WinOpportunityCommand)
export class WinOpportunityHandler implements ICommandHandler<WinOpportunityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ opportunityId, input, context }: WinOpportunityCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const at = now.toISOString();
    const command = { type: 'WinOpportunity' as const, data: { opportunityId, amount: toMoney(input.amount), wonAt: at } };
    return commandReply(
      opportunityId,
      await this.executor.execute(opportunityDecider, opportunityStream(opportunityId), command, context, now),
    );
  }
}
