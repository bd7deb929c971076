import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { activityDecider } from '@crm/activities/domain';
import { CommandExecutor, commandReply, toAssignee, type CommandReply } from '@crm/shared/http';
import { activityStream } from '../../shared/streams';
import { ReassignActivityCommand } from './reassign-activity.command';

@CommandHandler(ReassignActivityCommand)
export class ReassignActivityHandler implements ICommandHandler<ReassignActivityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ activityId, input, context }: ReassignActivityCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const data = { activityId, assignee: toAssignee(input.assignee), reassignedAt: now.toISOString() };
    return commandReply(
      activityId,
      await this.executor.execute(activityDecider, activityStream(activityId), { type: 'ReassignActivity', data }, context, now),
    );
  }
}
