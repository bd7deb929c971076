import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { opportunityDecider } from '@crm/sales/domain';
import { opportunityStream } from '../../common/streams';
import { ProposeSolutionCommand } from './propose-solution.command';

@CommandHandler(ProposeSolutionCommand)
export class ProposeSolutionHandler implements ICommandHandler<ProposeSolutionCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ opportunityId, input, context }: ProposeSolutionCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const at = now.toISOString();
    const command = { type: 'ProposeSolution' as const, data: { opportunityId, solution: input.solution, proposedAt: at } };
    return commandReply(
      opportunityId,
      await this.executor.execute(opportunityDecider, opportunityStream(opportunityId), command, context, now),
    );
  }
}
