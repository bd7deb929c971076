import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  handleCommand,
  runAtomically,
  type AtomicCommands,
  type AtomicOutcome,
  type Command,
  type CommandResult,
  type Decider,
  type Event,
  type EventStore,
  type SnapshotStore,
} from '@crm/shared/event-sourcing';
import type { Clock } from '@crm/shared/kernel';
import type { CommandContext } from './command-context';
import { CLOCK, EVENT_STORE, SNAPSHOT_STORE } from './tokens';

/** The reply of every command endpoint (API.md): the aggregate id, its revision and the global position. */
export interface CommandReply {
  readonly id: string;
  readonly revision: number;
  readonly position: string;
  readonly [extra: string]: unknown;
}

export function commandReply(id: string, result: CommandResult<unknown, Event>, extra: Record<string, unknown> = {}): CommandReply {
  return { id, revision: result.nextExpectedRevision, position: result.position ?? '0', ...extra };
}

/** handleCommand with the store, clock and snapshots of this process: what every handler calls. */
@Injectable()
export class CommandExecutor {
  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(CLOCK) readonly clock: Clock,
    @Optional() @Inject(SNAPSHOT_STORE) private readonly snapshots?: SnapshotStore,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  execute<S, C extends Command, E extends Event>(
    decider: Decider<S, C, E>,
    streamId: string,
    command: C,
    context: CommandContext,
    /** The instant the command was stamped with, when the handler already read the clock. */
    now: Date = this.clock.now(),
  ): Promise<CommandResult<S, E>> {
    return handleCommand(this.store, decider, streamId, command, {
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId,
      actor: context.actor,
      tenantId: context.tenantId,
      expectedRevision: context.expectedRevision,
      now,
      snapshots: this.snapshots,
    });
  }

  /**
   * Several commands decided together and recorded in one atomic append
   * (`tx.decide` for each): a refusal of any leaves every stream as it was.
   */
  atomically<T>(tenantId: string, now: Date, build: (tx: AtomicCommands) => Promise<T>): Promise<AtomicOutcome<T>> {
    return runAtomically(this.store, { tenantId, now, snapshots: this.snapshots }, build);
  }
}
