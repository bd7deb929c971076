import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { activityDecider } from '@crm/activities/domain';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { activityStream } from '../../shared/streams';
import { occurrenceActedOn, recorded } from '../occurrence-reply';
import { RescheduleActivityCommand } from './reschedule-activity.command';

@CommandHandler(RescheduleActivityCommand)
export class RescheduleActivityHandler implements ICommandHandler<RescheduleActivityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ activityId, input, context }: RescheduleActivityCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { dueAt, occurrence, reason } = input;
    const data = { activityId, occurrence, dueAt, reason, rescheduledAt: now.toISOString() };
    const result = await this.executor.execute(
      activityDecider,
      activityStream(activityId),
      { type: 'RescheduleActivity', data },
      context,
      now,
    );
    const moved = recorded(result.events, 'ActivityRescheduled')?.data.occurrence;
    return commandReply(activityId, result, { occurrence: moved ?? occurrenceActedOn(result.state, occurrence) });
  }
}
