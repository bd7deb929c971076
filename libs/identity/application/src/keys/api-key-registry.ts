import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { API_KEY_CATEGORY, apiKeyDecider, type ApiKeyEvent, type ApiKeyRecord, type ApiKeyState } from '@crm/identity/domain';
import type { EventStore, RecordedEvent, SnapshotStore, Subscription } from '@crm/shared/event-sourcing';
import { EVENT_STORE, SNAPSHOT_STORE } from '@crm/shared/http';
import { API_KEY_SECRET } from '../tokens';
import { readFold, writeFold, type RegistryFold } from './registry-snapshot';

/** A key as administrators see it: never its hash. */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly tenantId: string;
  readonly bootstrap: boolean;
  readonly createdAt: string;
  readonly status: 'active' | 'revoked';
  readonly revokedAt?: string;
}

/** A key as folded from its stream, of the tenant whose stream it is. */
type Known = { readonly tenantId: string; readonly state: Exclude<ApiKeyState, { status: 'none' }>; readonly revision: number };

const RESUBSCRIBE_MS = 1000;
/** How long a stop reads the log again for the first key events this process made, when it has read none yet. */
const STOP_READ_MS = 3000;

/** How often a running registry keeps its fold, when the log has moved since the last time. */
export const REGISTRY_SNAPSHOT_EVERY_MS = 60_000;
const scoped = (tenantId: string, keyId: string) => `${tenantId}/${keyId}`;

function view({ state }: Known): ApiKeyView {
  const { keyId, name, roles, tenantId, bootstrap, createdAt } = state.key;
  return {
    id: keyId,
    name,
    roles,
    tenantId,
    bootstrap,
    createdAt,
    status: state.status,
    ...(state.status === 'revoked' ? { revokedAt: state.revokedAt } : {}),
  };
}

/**
 * Every API key of every tenant, folded from the `api-key` streams and kept
 * live by a subscription: a key created or revoked by another process on the
 * same store counts here once the subscription delivers it (the store's live
 * latency: SQLite polls every 200 ms, PostgreSQL is notified). This process's
 * own revocations are applied at once, before the reply.
 *
 * Given a snapshot store and the server secret, the fold is kept
 * (registry-snapshot.ts): after the first catch-up, every minute while the
 * log moves, and on stop. A start then reads only the log after the kept
 * checkpoint, not the whole log for the few key events (no store indexes the
 * category). A kept fold that is not MAC'd with this secret, of another
 * version, or ahead of the log's head is ignored: the whole log is read.
 */
@Injectable()
export class ApiKeyRegistry implements OnModuleDestroy {
  private readonly logger = new Logger('ApiKeys');
  private readonly keys = new Map<string, Known>();
  private readonly byHash = new Map<string, string>();
  private subscription?: Subscription;
  private checkpoint?: string;
  private stopped = false;
  private kept?: string;
  /** A key folded since the fold was last kept (or restored). */
  private changed = false;
  private resumed?: string;
  private keeping?: NodeJS.Timeout;
  /** `refresh()`: the read under way, and the one waiting for it to finish. */
  private reading: Promise<void> = Promise.resolve();
  private waiting?: Promise<void>;
  private live = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(SNAPSHOT_STORE) private readonly snapshots?: SnapshotStore,
    @Optional() @Inject(API_KEY_SECRET) private readonly secret?: Buffer,
  ) {}

  /** Resolves once every key in the store has been read. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.restore();
    await this.subscribe().caughtUp;
    this.live = true;
    if (!this.snapshots || !this.secret) return;
    await this.keep();
    this.keeping = setInterval(() => void this.keep(), REGISTRY_SNAPSHOT_EVERY_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.live = false;
    clearInterval(this.keeping);
    await this.subscription?.stop();
    // The feed may not have brought the last key events yet (a key made just before the stop): read them, so the
    // fold kept holds every key this process knows of. Should it fail, the next start reads them from the log.
    await this.readToHead().catch(() => undefined);
    // On PostgreSQL the log shows an event once every older transaction in the database has ended: another process's
    // long transaction can hide even this process's own first key events. With keys made here and nothing of the log
    // read yet, there is no checkpoint to keep a fold at: read again for a little while (a CI run under load kept none).
    const keeps = this.snapshots !== undefined && this.secret !== undefined;
    for (const until = Date.now() + STOP_READ_MS; keeps && this.changed && this.checkpoint === undefined && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await this.readToHead().catch(() => undefined);
    }
    await this.keep();
  }

  /** The checkpoint the fold was last kept at (or restored from). */
  get keptCheckpoint(): string | undefined {
    return this.kept;
  }

  /** Where this start's read of the log began: the kept fold's checkpoint, or undefined (the beginning). */
  get resumedFrom(): string | undefined {
    return this.resumed;
  }

  private async restore(): Promise<void> {
    if (!this.snapshots || !this.secret || this.checkpoint !== undefined) return;
    try {
      const { fold, ignored } = await readFold(this.snapshots, this.store, this.secret);
      if (ignored) this.logger.warn(`ignored the kept API key registry (${ignored}); reading the whole log`);
      if (!fold) return;
      for (const { tenantId, revision, state } of fold.entries) this.remember(tenantId, revision, state);
      this.checkpoint = this.kept = this.resumed = fold.checkpoint;
      this.changed = false;
    } catch (error) {
      this.logger.warn(`could not read the kept API key registry (${String(error)}); reading the whole log`);
    }
  }

  /** Keeps the fold when the log has moved since it was last kept; a failure only costs the next start a longer read. */
  private async keep(): Promise<void> {
    const checkpoint = this.checkpoint;
    // Also when only a key this process made changed it (folded at once, `apply`): the log's read may not show that
    // event yet (PostgreSQL hides the newest events while an earlier transaction is open), so the checkpoint may not
    // have moved; the fold is still consistent with it, as a resumed read skips events already folded. A CI run saw
    // the fold kept on stop without a key made just before.
    if (!this.snapshots || !this.secret || checkpoint === undefined || (checkpoint === this.kept && !this.changed)) return;
    this.changed = false;
    const fold: RegistryFold = {
      checkpoint,
      entries: [...this.keys.values()].map(({ tenantId, revision, state }) => ({ tenantId, revision, state })),
    };
    try {
      await writeFold(this.snapshots, this.secret, fold);
      this.kept = checkpoint;
    } catch (error) {
      this.changed = true;
      this.logger.warn(`could not keep the API key registry (${String(error)})`);
    }
  }

  /** The key whose hash this is, whatever its state; the caller decides what a revoked key means. */
  findByHash(keyHash: string): (ApiKeyRecord & { readonly revoked: boolean }) | undefined {
    const scope = this.byHash.get(keyHash);
    const known = scope === undefined ? undefined : this.keys.get(scope);
    return known ? { ...known.state.key, revoked: known.state.status === 'revoked' } : undefined;
  }

  get(tenantId: string, keyId: string): ApiKeyView | undefined {
    const known = this.keys.get(scoped(tenantId, keyId));
    return known ? view(known) : undefined;
  }

  /** One tenant's keys, or every tenant's (undefined), oldest first. */
  list(tenantId?: string): ApiKeyView[] {
    return (
      [...this.keys.values()]
        .filter((known) => tenantId === undefined || known.state.key.tenantId === tenantId)
        .map(view)
        // By code unit, as the key list's cursor compares (keyPage): created, then id.
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    );
  }

  get size(): number {
    return this.keys.size;
  }

  /** Folds one event of a key's stream; an event at or below the revision already folded changes nothing. */
  apply(tenantId: string, revision: number, event: ApiKeyEvent): void {
    const scope = scoped(tenantId, event.data.keyId);
    const known = this.keys.get(scope);
    if (known && revision <= known.revision) return;
    const state = apiKeyDecider.evolve(known?.state ?? apiKeyDecider.initialState(), event);
    if (state.status !== 'none') this.remember(tenantId, revision, state);
  }

  private remember(tenantId: string, revision: number, state: Known['state']): void {
    const scope = scoped(tenantId, state.key.keyId);
    this.keys.set(scope, { tenantId, state, revision });
    this.changed = true;
    this.byHash.set(state.key.keyHash, scope);
  }

  /** Folds a batch of the key streams' events read from the log, through `checkpoint` (never moved back). */
  private foldRead(events: readonly RecordedEvent[], checkpoint: string | undefined): void {
    for (const event of events) this.apply(event.metadata.tenantId, event.revision, { type: event.type, data: event.data } as ApiKeyEvent);
    if (checkpoint === undefined) return;
    if (this.checkpoint === undefined || this.store.comparePositions(checkpoint, this.checkpoint) > 0) this.checkpoint = checkpoint;
  }

  /**
   * Reads the key streams up to the log's head now, without waiting for the subscription's next round: a key another
   * process created a moment ago is known when this resolves (an unknown key is looked for once more before 401).
   * Callers that come while a read is waiting to start share it; one that comes once it has started waits for the
   * next, which sees everything committed before the call.
   */
  refresh(): Promise<void> {
    // Before the first catch-up (or once stopped) there is no checkpoint near the head to read on from.
    if (!this.live) return Promise.resolve();
    if (this.waiting) return this.waiting;
    const next = this.reading
      .catch(() => undefined)
      .then(() => {
        this.waiting = undefined;
        return this.readToHead();
      });
    this.waiting = next;
    this.reading = next;
    return next;
  }

  private async readToHead(): Promise<void> {
    for (;;) {
      const after = this.checkpoint;
      const slice = await this.store.readAll({ after, maxCount: 500, filter: { categories: [API_KEY_CATEGORY] } });
      this.foldRead(slice.events, slice.checkpoint);
      if (slice.isEnd || slice.checkpoint === undefined || slice.checkpoint === after) return;
    }
  }

  private subscribe(): Subscription {
    const subscription = this.store.subscribeToAll(
      (events: readonly RecordedEvent[], checkpoint: string) => this.foldRead(events, checkpoint),
      {
        after: this.checkpoint,
        filter: { categories: [API_KEY_CATEGORY] },
      },
    );
    this.subscription = subscription;
    subscription.done.catch((error: unknown) => {
      if (this.stopped) return;
      // Keys keep working as last known; revocations from other processes wait for the store to answer again.
      this.logger.error(`the API key feed stopped (${error instanceof Error ? error.message : String(error)}); retrying`);
      setTimeout(() => {
        if (!this.stopped) this.subscribe();
      }, RESUBSCRIBE_MS).unref();
    });
    return subscription;
  }
}
