import { type Command, type CommandResult, type Decider, type Event, type RecordedEvent } from '@crm/shared/event-sourcing';
import type { CommandExecutor } from '@crm/shared/http';
import { derivedId } from '@crm/shared/kernel';

/**
 * A command issued because of an event. Its id follows from the event id and
 * the step, so running the reaction again — after a crash, a redelivery or
 * alongside the request that ran it synchronously — returns the first result
 * instead of recording twice. The event's actor, tenant and correlation carry
 * over; the event itself is the causation.
 */
export function runReaction<S, C extends Command, E extends Event>(
  executor: CommandExecutor,
  trigger: RecordedEvent,
  step: string,
  decider: Decider<S, C, E>,
  streamId: string,
  command: C,
): Promise<CommandResult<S, E>> {
  const { eventId, correlationId, actor, tenantId } = trigger.metadata;
  return executor.execute(decider, streamId, command, {
    commandId: derivedId(eventId, step),
    correlationId,
    causationId: eventId,
    actor,
    tenantId,
  });
}
