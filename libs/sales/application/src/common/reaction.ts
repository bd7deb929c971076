import {
  type AtomicCommandOptions,
  type AtomicCommands,
  type Command,
  type CommandResult,
  type Decided,
  type Decider,
  type Event,
  type EventMetadata,
  eventIdFor,
} from '@crm/shared/event-sourcing';
import type { CommandExecutor } from '@crm/shared/http';
import { derivedId } from '@crm/shared/kernel';

/** What a reaction needs of the event that causes it; a recorded event has it, and so has one about to be recorded. */
export interface Trigger<E extends Event = Event> {
  readonly data: E['data'];
  readonly metadata: Pick<EventMetadata, 'eventId' | 'correlationId' | 'actor' | 'tenantId'>;
}

/**
 * The command id of a reaction follows from the event id and the step, so
 * running the reaction again — after a crash, a redelivery, alongside the
 * request that ran it synchronously, or written atomically with its trigger
 * — returns the first result instead of recording twice. The event's actor,
 * tenant and correlation carry over; the event itself is the causation.
 */
export function reactionOptions(trigger: Trigger, step: string): AtomicCommandOptions {
  const { eventId, correlationId, actor } = trigger.metadata;
  return { commandId: derivedId(eventId, step), correlationId, causationId: eventId, actor };
}

/**
 * Whether the reaction is recorded already: its first event, under the id the step derives, on its stream. A
 * reactor's fast path over a history whose reactions were written with their trigger (or by a seed that gives
 * them the same ids): one lookup by event id, where the command path would load the stream to answer the retry.
 * False for a reaction that recorded no event (a decider that ignored it): the reactor then runs it again, which
 * is harmless.
 */
export async function reactionRecorded(executor: CommandExecutor, trigger: Trigger, step: string, streamId: string): Promise<boolean> {
  const { commandId } = reactionOptions(trigger, step);
  const found = await executor.store.findEvent(eventIdFor(commandId, 0), { tenantId: trigger.metadata.tenantId });
  return found?.streamId === streamId;
}

/** A command issued because of an event that is already recorded. */
export function runReaction<S, C extends Command, E extends Event>(
  executor: CommandExecutor,
  trigger: Trigger,
  step: string,
  decider: Decider<S, C, E>,
  streamId: string,
  command: C,
): Promise<CommandResult<S, E>> {
  const { actor, tenantId } = trigger.metadata;
  return executor.execute(decider, streamId, command, { ...reactionOptions(trigger, step), actor, tenantId });
}

/** The same command, decided together with its trigger and recorded in the same atomic append. */
export function decideReaction<S, C extends Command, E extends Event>(
  tx: AtomicCommands,
  trigger: Trigger,
  step: string,
  decider: Decider<S, C, E>,
  streamId: string,
  command: C,
): Promise<Decided<S, E>> {
  return tx.decide(decider, streamId, command, reactionOptions(trigger, step));
}
