import {
  WrongExpectedRevisionError,
  type AtomicCommandOptions,
  type AtomicCommands,
  type Command,
  type Decided,
  type Decider,
  type Event,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { derivedId } from '@crm/shared/kernel';

/**
 * Another aggregate's record of a command (an account's record of what joins it, a deal's of the quotes it issued),
 * decided in the command's own atomic append so that the two are decided one after the other, never both from the
 * same state of the guarding aggregate.
 */
export interface Guard<S, E extends Event> {
  /** The guarding aggregate's stream. */
  readonly streamId: string;
  /** Checks made before the append, with the fields a caller fixes (a 404 naming the reference, a closed record). */
  readonly check: () => Promise<void>;
  /** Decides the guard's record from what the command decided (at least one event), `leading` in the append. */
  readonly decide: (tx: AtomicCommands, decided: Decided<S, E>) => Promise<void>;
}

/**
 * How a guard's record is identified and ordered: its command id follows from the guarded command's first event id
 * and the `step` (so a retry derives the same), caused by that event, under the request's correlation and actor,
 * and `leading` the append (written first where a store writes the streams of one append one after another,
 * EventStoreDB before 25.1, so that its refusal there still comes before anything else is written).
 */
export function guardOptions(
  step: string,
  cause: { readonly eventId: string; readonly context: Pick<CommandContext, 'commandId' | 'correlationId' | 'actor'> },
): AtomicCommandOptions {
  const { commandId, correlationId, actor } = cause.context;
  return {
    commandId: derivedId(cause.eventId, step),
    correlationId: correlationId ?? commandId,
    causationId: cause.eventId,
    actor,
    leading: true,
  };
}

/** The stream's revision and last position after a guarded command, and its events: what its reply carries. */
export interface GuardedResult<E extends Event> {
  readonly nextExpectedRevision: number;
  readonly position: string | undefined;
  /** The events the command recorded (or, answered from the record, had recorded). */
  readonly events: readonly E[];
}

/** How often a request pinned by If-Match is decided again after the guarding aggregate (not its own stream) moved. */
const GUARD_MOVED_RETRIES = 3;

/**
 * Runs a command together with its guard's record in one atomic append. A guarding aggregate moved by another
 * process between the check and the append makes the append fail whole; it is decided again, and then refused if
 * the guard refuses. A command that changes nothing records nothing on the guard. A retry of a recorded request is
 * answered from the record, whatever the guard says now.
 */
export function executeGuarded<S, C extends Command, E extends Event>(
  executor: CommandExecutor,
  own: { readonly decider: Decider<S, C, E>; readonly streamId: string; readonly command: C },
  context: CommandContext,
  now: Date,
  guard: Guard<S, E>,
): Promise<GuardedResult<E>> {
  const { decider, streamId, command } = own;
  const run = async (): Promise<GuardedResult<E>> => {
    await guard.check();
    const outcome = await executor.atomically(context.tenantId, now, async (tx) => {
      const decided = await tx.decide(decider, streamId, command, executor.commandOptions(context));
      if (decided.events.length > 0) await guard.decide(tx, decided);
      return decided;
    });
    const { read, events } = outcome.value;
    const written = outcome.streams.get(streamId);
    if (written) return { nextExpectedRevision: written.nextExpectedRevision, position: written.position, events };
    return { nextExpectedRevision: read.revision ?? -1, position: read.position, events };
  };
  // If-Match pins the command's own stream, and the atomic append then retries no conflict: the guard moving is not
  // the caller's stale revision, so that conflict alone is decided again here.
  const runPinned = async (): Promise<GuardedResult<E>> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        const guardMoved = error instanceof WrongExpectedRevisionError && error.streamId === guard.streamId;
        if (!guardMoved || context.expectedRevision === undefined || attempt > GUARD_MOVED_RETRIES) throw error;
      }
    }
  };
  return executor.handleAtomic(command.type, streamId, context, runPinned, () =>
    executor.execute(decider, streamId, command, context, now),
  );
}
