import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { interactionDecider, type InteractionChannel } from '@crm/activities/domain';
import type { ContactChannel } from '@crm/sales/domain';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { missingMarketingConsent } from '../../shared/marketing-consent';
import { toRegarding } from '../../shared/regarding.dto';
import { interactionStream, requireReference, requireRegarding } from '../../shared/streams';
import { LogInteractionCommand } from './log-interaction.command';

/** The consent an outbound interaction on each channel needs, as the activity of that kind does (none in person, web, social). */
const CONSENT_CHANNEL: Readonly<Record<InteractionChannel, ContactChannel | null>> = {
  phone: 'phone',
  sms: 'sms',
  email: 'email',
  letter: 'letter',
  web: null,
  social: null,
  in_person: null,
};

/**
 * loggedAt is the server's clock: an occurredAt after it is an interaction in the future, refused by the decider.
 * Marketing's outbound interaction on a channel the person gave no consent for is logged (it happened) and flagged:
 * `withoutConsent` in its event and its reply, for whoever answers for consent to find it.
 */
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
    const missing =
      direction === 'outbound'
        ? await missingMarketingConsent(
            store,
            { channel: CONSENT_CHANNEL[channel] ?? null, regarding, customer },
            context.actor,
            context.tenantId,
          )
        : undefined;
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
      ...(missing === undefined ? {} : { withoutConsent: true as const }),
      loggedAt: now.toISOString(),
    };
    const result = await this.executor.execute(
      interactionDecider,
      interactionStream(interactionId),
      { type: 'LogInteraction', data },
      context,
      now,
    );
    // From the event recorded: a retry answered from the record says what the first reply said.
    const flagged = result.events.some((event) => event.data.withoutConsent === true);
    return commandReply(interactionId, result, flagged ? { withoutConsent: true } : {});
  }
}
