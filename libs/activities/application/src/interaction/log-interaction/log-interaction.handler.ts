import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { interactionDecider } from '@crm/activities/domain';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { toRegarding } from '../../shared/regarding.dto';
import { interactionStream, requireReference, requireRegarding } from '../../shared/streams';
import { LogInteractionCommand } from './log-interaction.command';

/** loggedAt is the server's clock: an occurredAt after it is an interaction in the future, refused by the decider. */
@CommandHandler(LogInteractionCommand)
export class LogInteractionHandler implements ICommandHandler<LogInteractionCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: LogInteractionCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const regarding = toRegarding(input.regarding);
    const customer = await requireRegarding(store, regarding, context.tenantId);
    const { activityId } = input;
    if (activityId !== undefined) await requireReference(store, 'activity', activityId, context.tenantId, 'activityId');
    const now = this.executor.now();
    const interactionId = input.id ?? idFor(context, 'interaction');
    const { channel, direction, summary, occurredAt, durationSeconds } = input;
    const data = {
      interactionId,
      channel,
      direction,
      regarding,
      summary,
      occurredAt,
      durationSeconds,
      activityId,
      ...(customer === undefined ? {} : { customer }),
      loggedAt: now.toISOString(),
    };
    return commandReply(
      interactionId,
      await this.executor.execute(interactionDecider, interactionStream(interactionId), { type: 'LogInteraction', data }, context, now),
    );
  }
}
