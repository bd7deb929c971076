import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { opportunityDecider } from '@crm/sales/domain';
import { opportunityStream } from '../../common/streams';
import { MoveOpportunityStageCommand } from './move-opportunity-stage.command';

@CommandHandler(MoveOpportunityStageCommand)
export class MoveOpportunityStageHandler implements ICommandHandler<MoveOpportunityStageCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ opportunityId, input, context }: MoveOpportunityStageCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const at = now.toISOString();
    const command = {
      type: 'MoveOpportunityStage' as const,
      data: { opportunityId, stage: input.stage, probability: input.probability, movedAt: at },
    };
    return commandReply(
      opportunityId,
      await this.executor.execute(opportunityDecider, opportunityStream(opportunityId), command, context, now),
    );
  }
}
