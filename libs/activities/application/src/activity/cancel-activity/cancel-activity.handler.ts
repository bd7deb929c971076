import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { activityDecider } from '@crm/activities/domain';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { activityStream } from '../../shared/streams';
import { recorded } from '../occurrence-reply';
import { CancelActivityCommand } from './cancel-activity.command';

/** Replies with the indexes it cancelled: without `occurrence` the caller may not know which were still open. */
@CommandHandler(CancelActivityCommand)
export class CancelActivityHandler implements ICommandHandler<CancelActivityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ activityId, input, context }: CancelActivityCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { occurrence, reason } = input;
    const data = { activityId, occurrence, reason, cancelledAt: now.toISOString() };
    const result = await this.executor.execute(activityDecider, activityStream(activityId), { type: 'CancelActivity', data }, context, now);
    return commandReply(activityId, result, { cancelled: recorded(result.events, 'ActivityCancelled')?.data.occurrences ?? [] });
  }
}
