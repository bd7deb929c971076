import type { RecordedEvent } from './event';
import type { AllFilter, EventStore, Subscription } from './event-store';

/** Where a subscriber resumes after a restart. */
export interface CheckpointStore {
  loadCheckpoint(name: string): Promise<string | undefined>;
  saveCheckpoint(name: string, checkpoint: string): Promise<void>;
}

export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, string>();

  async loadCheckpoint(name: string): Promise<string | undefined> {
    return this.checkpoints.get(name);
  }

  async saveCheckpoint(name: string, checkpoint: string): Promise<void> {
    this.checkpoints.set(name, checkpoint);
  }
}

/**
 * A process manager or policy: reacts to events by issuing commands. Reactions
 * must be idempotent (deterministic command ids), because after a crash the
 * events since the last saved checkpoint are delivered again.
 */
export interface Reactor {
  readonly name: string;
  readonly filter: AllFilter;
  react(event: RecordedEvent): Promise<void>;
}

export interface ReactorOptions {
  readonly checkpoints?: CheckpointStore;
  readonly batchSize?: number;
  /**
   * A checkpoint is saved at most this often (default 1000 ms), and on stop: a write per batch
   * would put a commit (and an fsync) behind every command. After a crash, what was handled since
   * the last save is delivered again, which idempotent reactions absorb. 0 saves after every batch.
   */
  readonly checkpointEveryMs?: number;
  /** After every batch handled (saved or not): the position the reactor has reached. */
  readonly onCheckpoint?: (checkpoint: string) => void;
}

/**
 * A checkpoint past the log's head: whoever keeps it has seen events the log no longer holds (the log was restored
 * from an older backup, or another store is configured), and would pass over every new event appended at a position
 * it counts as done. Read the head after the checkpoint, so that one a live process advances meanwhile is not taken
 * for ahead. A position the store cannot compare is from another log: ahead too.
 */
export function pastHead(log: Pick<EventStore, 'comparePositions'>, checkpoint: string | undefined, head: string | undefined): boolean {
  if (checkpoint === undefined) return false;
  if (head === undefined) return true;
  try {
    return log.comparePositions(checkpoint, head) > 0;
  } catch {
    return true;
  }
}

/**
 * Where a reactor resumes: its checkpoint, unless that is past the log's head (`pastHead`). It starts over from the
 * beginning then; reactions are idempotent, so what was reacted to before is not done twice.
 */
async function resumeAt(store: EventStore, checkpoint: string | undefined): Promise<string | undefined> {
  return pastHead(store, checkpoint, await store.headPosition()) ? undefined : checkpoint;
}

export async function startReactor(store: EventStore, reactor: Reactor, options: ReactorOptions = {}): Promise<Subscription> {
  const checkpoints = options.checkpoints;
  const every = options.checkpointEveryMs ?? 1000;
  const after = await resumeAt(store, checkpoints ? await checkpoints.loadCheckpoint(reactor.name) : undefined);
  let handled: string | undefined;
  let saved = after;
  let lastSavedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  // One save at a time, always of the latest position handled: saves never go backwards.
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    saving = saving.then(async () => {
      const checkpoint = handled;
      if (!checkpoints || checkpoint === undefined || checkpoint === saved) return;
      lastSavedAt = Date.now();
      await checkpoints.saveCheckpoint(reactor.name, checkpoint);
      saved = checkpoint;
    });
    return saving;
  };
  const subscription = store.subscribeToAll(
    async (events, checkpoint) => {
      for (const event of events) await reactor.react(event);
      handled = checkpoint;
      options.onCheckpoint?.(checkpoint);
      const wait = lastSavedAt + every - Date.now();
      if (wait <= 0) await save();
      else timer ??= setTimeout(() => void save().catch(() => undefined), wait).unref();
    },
    { after, filter: reactor.filter, batchSize: options.batchSize ?? 100 },
  );
  return {
    caughtUp: subscription.caughtUp,
    done: subscription.done,
    checkpoint: subscription.checkpoint,
    async stop() {
      await subscription.stop();
      // A failed subscription stopped before its checkpoint moved: nothing past the failure is saved.
      await save();
    },
  };
}
