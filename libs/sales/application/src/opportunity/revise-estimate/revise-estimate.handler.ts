import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, toMoney } from '@crm/shared/http';
import { opportunityDecider } from '@crm/sales/domain';
import { opportunityStream } from '../../common/streams';
import { ReviseEstimateCommand } from './revise-estimate.command';

@CommandHandler(ReviseEstimateCommand)
export class ReviseEstimateHandler implements ICommandHandler<ReviseEstimateCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ opportunityId, input, context }: ReviseEstimateCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const at = now.toISOString();
    const command = {
      type: 'ReviseEstimate' as const,
      data: {
        opportunityId,
        amount: input.amount && toMoney(input.amount),
        probability: input.probability,
        expectedCloseDate: input.expectedCloseDate,
        revisedAt: at,
      },
    };
    return commandReply(
      opportunityId,
      await this.executor.execute(opportunityDecider, opportunityStream(opportunityId), command, context, now),
    );
  }
}
