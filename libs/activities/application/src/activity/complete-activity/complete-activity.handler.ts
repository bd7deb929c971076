import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { activityDecider } from '@crm/activities/domain';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { activityStream } from '../../shared/streams';
import { recorded } from '../occurrence-reply';
import { CompleteActivityCommand } from './complete-activity.command';

@CommandHandler(CompleteActivityCommand)
export class CompleteActivityHandler implements ICommandHandler<CompleteActivityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ activityId, input, context }: CompleteActivityCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { outcome, occurrence } = input;
    const data = { activityId, occurrence, outcome, completedAt: input.completedAt ?? now.toISOString(), recordedAt: now.toISOString() };
    const result = await this.executor.execute(
      activityDecider,
      activityStream(activityId),
      { type: 'CompleteActivity', data },
      context,
      now,
    );
    return commandReply(activityId, result, { occurrence: recorded(result.events, 'ActivityCompleted')?.data.occurrence });
  }
}
