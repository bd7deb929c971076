import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  CommandRecordedMeanwhileError,
  eventIdFor,
  handleCommand,
  IdempotencyConflictError,
  KeyedLock,
  noOpRecordAppend,
  noOpRecordOf,
  noOpRecordedForAnotherRequest,
  WrongExpectedRevisionError,
  recordedForAnotherRequest,
  runAtomically,
  type AtomicCommandOptions,
  type AtomicCommands,
  type AtomicOutcome,
  type Command,
  type CommandResult,
  type Decider,
  type Event,
  type EventStore,
  type NoOpRecorded,
  type SnapshotStore,
} from '@crm/shared/event-sourcing';
import type { Clock } from '@crm/shared/kernel';
import { personalDataLayer } from '@crm/shared/personal-data';
import { commandIdIsNew, type CommandContext } from './command-context';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import { activeTraceparent, observeAppends, traceCommand, type CommandObserver } from './command-telemetry';
import { CLOCK, COMMAND_OBSERVER, EVENT_STORE, FINGERPRINT_KEY, SNAPSHOT_STORE } from './tokens';

/** The reply of every command endpoint (API.md): the aggregate id, its revision and the global position. */
export interface CommandReply {
  readonly id: string;
  readonly revision: number;
  readonly position: string;
  readonly [extra: string]: unknown;
}

export function commandReply(
  id: string,
  result: Pick<CommandResult<unknown, Event>, 'nextExpectedRevision' | 'position'>,
  extra: Record<string, unknown> = {},
): CommandReply {
  return { id, revision: result.nextExpectedRevision, position: result.position ?? '0', ...extra };
}

/** The command type `traced` is measuring, for the `execute`s it makes of that same command. */
const TRACED = new AsyncLocalStorage<string>();
/** Set while a command has its stream's turn: what it runs inside (its own steps, other streams) takes no other. */
const IN_TURN = new AsyncLocalStorage<true>();
/** The longest a command waits for its stream's turn before it goes ahead beside the commands before it. */
export const TURN_WAIT_MS = 5_000;

/** handleCommand with the store, clock and snapshots of this process: what every handler calls. */
@Injectable()
export class CommandExecutor {
  /** The store commands append through: each append traced and measured. */
  private readonly appending: EventStore;
  /**
   * This process's commands on one stream take turns: a burst on one record (replies to a campaign) is decided one
   * after another, where each would otherwise load the same revision, all but one lose the append, and after a few
   * rounds of that most are refused 409. Only the outermost command takes a turn, so turns never nest (no deadlock).
   * Other processes still race; the expected revision and the retries settle those.
   */
  private readonly turns = new KeyedLock();

  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(CLOCK) readonly clock: Clock,
    @Optional() @Inject(SNAPSHOT_STORE) private readonly snapshots?: SnapshotStore,
    @Optional() @Inject(FINGERPRINT_KEY) private readonly fingerprintKey?: Buffer,
    @Optional() @Inject(COMMAND_OBSERVER) private readonly observer?: CommandObserver,
  ) {
    this.appending = observeAppends(store, observer);
  }

  /** The request digest keyed with the server secret: what is stored with the command, never a plain hash of a body. */
  private fingerprintOf(context: CommandContext): string | undefined {
    if (context.fingerprint === undefined || this.fingerprintKey === undefined) return undefined;
    return createHmac('sha256', this.fingerprintKey).update(context.fingerprint).digest('base64url');
  }

  now(): Date {
    return this.clock.now();
  }

  /**
   * Whether a command of this request that decides nothing is recorded (handleCommand's NO_OP_RECORDED), so that its
   * Idempotency-Key (or body commandId) used again gets its reply or 422: only for a request's own command under the
   * id its client gave. A request's context carries its fingerprint (Ctx); a command the server made the id of (no key,
   * a process's derived id, a claim's) has nothing to remember: a process may rightly decide something later under
   * the same derived id (an SLA breach whose deadline came back), and a request without a key cannot be retried.
   */
  private recordsNoOp(context: CommandContext): boolean {
    return context.fingerprint !== undefined && !commandIdIsNew(context);
  }

  execute<S, C extends Command, E extends Event>(
    decider: Decider<S, C, E>,
    streamId: string,
    command: C,
    context: CommandContext,
    /** The instant the command was stamped with, when the handler already read the clock. */
    now: Date = this.clock.now(),
  ): Promise<CommandResult<S, E>> {
    const handle = () =>
      handleCommand(this.appending, decider, streamId, command, {
        commandId: context.commandId,
        newCommandId: commandIdIsNew(context),
        recordNoOp: this.recordsNoOp(context),
        correlationId: context.correlationId,
        causationId: context.causationId,
        // The command's own span when tracing is on, else the caller's traceparent as it came.
        traceparent: activeTraceparent() ?? context.traceparent,
        actor: context.actor,
        tenantId: context.tenantId,
        expectedRevision: context.expectedRevision,
        requestFingerprint: this.fingerprintOf(context),
        now,
        snapshots: this.snapshots,
      });
    const inTurn = () => this.inTurn(context.tenantId, streamId, handle);
    // Inside `traced` for this very command (a retry answered from the record): measured there, once.
    return TRACED.getStore() === command.type ? inTurn() : traceCommand(command.type, streamId, this.observer, inTurn);
  }

  /**
   * `work` once this process's earlier commands on the stream are done (see `turns`), or after TURN_WAIT_MS at most:
   * then it races them on the expected revision, as before turns (a command stuck on a store that never answers
   * would otherwise hold each later one for its whole wait, one after another). The wait is part of the command's
   * measured duration.
   */
  private inTurn<T>(tenantId: string, streamId: string, work: () => Promise<T>): Promise<T> {
    if (IN_TURN.getStore() === true) return work();
    return this.turns.run(`${tenantId}\u0000${streamId}`, () => IN_TURN.run(true, work), TURN_WAIT_MS);
  }

  /**
   * A command its handler decides and records itself (several streams in one `atomically`, with look-ups and retries
   * of its own: a lead capture, a qualification, an erasure), in a `command <type>` span and measured by outcome as
   * `execute` measures one; an `execute` of the same command under it is not counted again. `duplicate`: the result
   * was answered from the record. Before, such commands had no span and no `crm_command_duration_seconds` (an outside
   * telemetry probe).
   */
  traced<T>(commandType: string, streamId: string, work: () => Promise<T>, duplicate: (result: T) => boolean = () => false): Promise<T> {
    return TRACED.run(commandType, async () => {
      let value!: T;
      await traceCommand(commandType, streamId, this.observer, async () => {
        value = await work();
        return { duplicate: duplicate(value) };
      });
      return value;
    });
  }

  /** The request's own command as `tx.decide` takes it: ids, actor, If-Match and the request's keyed fingerprint. */
  commandOptions(context: CommandContext): AtomicCommandOptions {
    const { commandId, correlationId, causationId, actor, expectedRevision } = context;
    const traceparent = activeTraceparent() ?? context.traceparent;
    return {
      commandId,
      correlationId,
      causationId,
      actor,
      expectedRevision,
      requestFingerprint: this.fingerprintOf(context),
      ...(traceparent === undefined ? {} : { traceparent }),
      ...(this.recordsNoOp(context) ? { recordNoOp: true } : {}),
    };
  }

  /**
   * True when the request's command is already recorded (a retry, to be answered from the record); the same
   * command id carried by another request is refused (422), as handleCommand does. `of`: the command and the stream
   * it is decided on, against which the record of a no-op (NO_OP_RECORDED, which names them) is checked too.
   */
  async alreadyHandled(context: CommandContext, of?: { readonly commandType: string; readonly streamId: string }): Promise<boolean> {
    if (commandIdIsNew(context)) return false;
    const found = await this.store.findEvent(eventIdFor(context.commandId, 0), { tenantId: context.tenantId });
    if (!found) return false;
    const noOp = noOpRecordOf(found);
    const elsewhere = noOp !== undefined && of !== undefined && noOp.streamId !== of.streamId;
    const another = noOp ? noOpRecordedForAnotherRequest : recordedForAnotherRequest;
    if (elsewhere || another(found.metadata, noOp ? of?.commandType : undefined, this.fingerprintOf(context)))
      throw new IdempotencyConflictError(context.commandId);
    return true;
  }

  /**
   * For a command recorded under an id of its own rather than the request's key (a purchase, whose id follows from
   * its externalRef): the answer recorded under the key the client gave, when this request was answered before
   * (undefined: not yet, or no key). The same key with another request is refused (422), as for every command.
   */
  async keyedAnswer(
    context: CommandContext,
    of: { readonly commandType: string; readonly streamId: string },
  ): Promise<NoOpRecorded | undefined> {
    if (!(await this.alreadyHandled(context, of))) return undefined;
    const found = await this.store.findEvent(eventIdFor(context.commandId, 0), { tenantId: context.tenantId });
    const record = found === undefined ? undefined : noOpRecordOf(found);
    if (record === undefined) throw new IdempotencyConflictError(context.commandId);
    return record;
  }

  /**
   * Records under the client's key what a command recorded under its own id answered (`command-{key}`, as a no-op's
   * record, naming the stream, revision and position), so that the key used again gets this answer, or 422 for
   * another request. Nothing for a request without a key. It is written after the command: when a twin run under the
   * same key recorded it first, the key keeps the twin's answer, and this run's command, recorded already, keeps its
   * own reply (another request under the same key sent at the same instant is recorded, not refused: a refusal must
   * leave nothing behind, and the command is written).
   */
  async rememberKey(
    context: CommandContext,
    of: { readonly commandType: string; readonly streamId: string },
    answered: { readonly revision: number; readonly position: string | undefined },
  ): Promise<void> {
    if (commandIdIsNew(context)) return;
    const options = { ...this.commandOptions(context), tenantId: context.tenantId, now: this.clock.now() };
    const record = noOpRecordAppend(of.streamId, answered, of.commandType, options);
    try {
      await this.appending.appendToStream(record.streamId, record.events, {
        tenantId: context.tenantId,
        expectedRevision: record.expectedRevision,
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) && !(error instanceof IdempotencyConflictError)) throw error;
    }
  }

  /**
   * The frame of a command recorded by its handler in one atomic append: a retry is answered from the record
   * (`first`), a twin run that recorded meanwhile too (`orRecorded`), else `run`; traced and measured as one command.
   */
  handleAtomic<T>(
    commandType: string,
    streamId: string,
    context: CommandContext,
    run: () => Promise<T>,
    first: () => Promise<T>,
  ): Promise<T> {
    let answeredFromRecord = false;
    const recorded = () => {
      answeredFromRecord = true;
      return first();
    };
    return this.traced(
      commandType,
      streamId,
      () =>
        this.inTurn(context.tenantId, streamId, async () => {
          const of = { commandType, streamId };
          if (await this.alreadyHandled(context, of)) return recorded();
          // A twin of this request (sent twice at once, maybe to two servers) recorded first: its reply, or 422.
          return run().catch((error: unknown) => this.orRecorded(context, error, recorded, of));
        }),
      () => answeredFromRecord,
    );
  }

  /**
   * After an atomic command failed: when its refusal was a twin run's doing (CommandRecordedMeanwhileError: the same
   * command id recorded while this run decided), the answer is the recorded one, `first()`, once the record is
   * checked as this request's (422 IDEMPOTENCY.KEY_REUSED otherwise). Any other failure passes on.
   */
  async orRecorded<T>(
    context: CommandContext,
    error: unknown,
    first: () => Promise<T>,
    of?: { readonly commandType: string; readonly streamId: string },
  ): Promise<T> {
    if (error instanceof CommandRecordedMeanwhileError && (await this.alreadyHandled(context, of))) return first();
    throw error;
  }

  /**
   * After a command the server named was refused: the data keys made for records of it that were never written go
   * (`KeyStore.discard`), so a refused request leaves no trace. A first attempt seals the new records' fields under
   * new keys before its append, which a race may then refuse (the lead closed meanwhile, a phone claimed). Only for a
   * command id the server made for this request, and for `streamIds` named after it (`idFor`): nobody else can name
   * those records, so no other command is sealing with their keys; a record written after all keeps its key.
   */
  async discardUnwrittenKeys(context: CommandContext, streamIds: readonly string[]): Promise<void> {
    const keys = personalDataLayer(this.store)?.keys;
    if (!keys || !commandIdIsNew(context)) return;
    const { tenantId } = context;
    for (const streamId of streamIds) {
      const written = await this.store.streamRevision(streamId, { tenantId }).catch(() => 0);
      if (written === undefined) await keys.discard({ tenantId, subjectRef: streamId }).catch(() => undefined);
    }
  }

  /**
   * Several commands decided together and recorded in one atomic append
   * (`tx.decide` for each): a refusal of any leaves every stream as it was.
   */
  atomically<T>(tenantId: string, now: Date, build: (tx: AtomicCommands) => Promise<T>): Promise<AtomicOutcome<T>> {
    return runAtomically(this.appending, { tenantId, now, snapshots: this.snapshots }, build);
  }
}
