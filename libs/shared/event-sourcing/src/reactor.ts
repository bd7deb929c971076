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
}

export async function startReactor(store: EventStore, reactor: Reactor, options: ReactorOptions = {}): Promise<Subscription> {
  const checkpoints = options.checkpoints;
  const after = checkpoints ? await checkpoints.loadCheckpoint(reactor.name) : undefined;
  return store.subscribeToAll(
    async (events, checkpoint) => {
      for (const event of events) await reactor.react(event);
      await checkpoints?.saveCheckpoint(reactor.name, checkpoint);
    },
    { after, filter: reactor.filter, batchSize: options.batchSize ?? 100 },
  );
}
