import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { activityDecider } from '@crm/activities/domain';
import { CommandExecutor, commandReply, idFor, toAssignee, type CommandReply } from '@crm/shared/http';
import { requireMarketingConsent } from '../../shared/marketing-consent';
import { activityStream, requireRegarding } from '../../shared/streams';
import { toRegarding } from '../../shared/regarding.dto';
import { toRecurrence } from '../recurrence.dto';
import { ScheduleActivityCommand } from './schedule-activity.command';

/** Replies with how many occurrences the series has, so the caller can address them by index. */
@CommandHandler(ScheduleActivityCommand)
export class ScheduleActivityHandler implements ICommandHandler<ScheduleActivityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: ScheduleActivityCommand): Promise<CommandReply> {
    const regarding = toRegarding(input.regarding);
    const customer = await requireRegarding(this.executor.store, regarding, context.tenantId);
    const activityId = input.id ?? idFor(context, 'activity');
    const streamId = activityStream(activityId);
    await requireMarketingConsent(
      this.executor.store,
      { streamId, type: input.type, regarding, customer },
      context.actor,
      context.tenantId,
    );
    const now = this.executor.now();
    const data = {
      activityId,
      activityType: input.type,
      subject: input.subject,
      description: input.description,
      regarding,
      assignee: toAssignee(input.assignee),
      dueAt: input.dueAt,
      durationMinutes: input.durationMinutes,
      recurrence: toRecurrence(input.recurrence),
      ...(customer === undefined ? {} : { customer }),
      scheduledAt: now.toISOString(),
    };
    const result = await this.executor.execute(activityDecider, streamId, { type: 'ScheduleActivity', data }, context, now);
    const occurrences = result.state.status === 'none' ? 0 : result.state.occurrences.length;
    return commandReply(activityId, result, { occurrences });
  }
}
