import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { API_KEY_CATEGORY, apiKeyDecider, type ApiKeyEvent, type ApiKeyRecord, type ApiKeyState } from '@crm/identity/domain';
import type { EventStore, RecordedEvent, Subscription } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';

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

type Known = { readonly state: Exclude<ApiKeyState, { status: 'none' }>; readonly revision: number };

const RESUBSCRIBE_MS = 1000;
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
 */
@Injectable()
export class ApiKeyRegistry implements OnModuleDestroy {
  private readonly logger = new Logger('ApiKeys');
  private readonly keys = new Map<string, Known>();
  private readonly byHash = new Map<string, string>();
  private subscription?: Subscription;
  private checkpoint?: string;
  private stopped = false;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Resolves once every key in the store has been read. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.subscribe().caughtUp;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
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
    return [...this.keys.values()]
      .filter((known) => tenantId === undefined || known.state.key.tenantId === tenantId)
      .map(view)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
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
    if (state.status === 'none') return;
    this.keys.set(scope, { state, revision });
    this.byHash.set(state.key.keyHash, scope);
  }

  private subscribe(): Subscription {
    const subscription = this.store.subscribeToAll(
      (events: readonly RecordedEvent[], checkpoint: string) => {
        for (const event of events)
          this.apply(event.metadata.tenantId, event.revision, { type: event.type, data: event.data } as ApiKeyEvent);
        this.checkpoint = checkpoint;
      },
      { after: this.checkpoint, filter: { categories: [API_KEY_CATEGORY] } },
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
