import type { RecordedEvent } from './event';
import type { BatchHandler, EventStore, ReadAllOptions, ReadStreamOptions, SubscribeOptions, TenantScoped } from './event-store';

/**
 * Lifts an event written under an older schema to the shape code expects now.
 * Upcasters chain: v1 → v2 → v3. The stored event (and its hash) never changes.
 */
export interface Upcaster {
  readonly eventType: string;
  readonly fromVersion: number;
  upcast(event: { readonly type: string; readonly data: unknown }): { readonly type: string; readonly data: unknown };
}

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const upcaster of upcasters) this.register(upcaster);
  }

  register(upcaster: Upcaster): this {
    const key = `${upcaster.eventType}@${upcaster.fromVersion}`;
    if (this.byKey.has(key)) throw new Error(`two upcasters for ${key}`);
    this.byKey.set(key, upcaster);
    return this;
  }

  /** Current schema version an event type reaches after upcasting from `version`. */
  apply(event: RecordedEvent): RecordedEvent {
    let type: string = event.type;
    let data: unknown = event.data;
    let version = event.metadata.schemaVersion;
    for (let upcaster = this.byKey.get(`${type}@${version}`); upcaster; upcaster = this.byKey.get(`${type}@${version}`)) {
      ({ type, data } = upcaster.upcast({ type, data }));
      version += 1;
    }
    if (version === event.metadata.schemaVersion) return event;
    return { ...event, type, data: data as RecordedEvent['data'], metadata: { ...event.metadata, schemaVersion: version } };
  }
}

/** Wraps a store so every read (streams, `$all`, subscriptions) returns upcast events. */
export function withUpcasters<S extends EventStore>(store: S, registry: UpcasterRegistry): S {
  const up = (events: readonly RecordedEvent[]) => events.map((event) => registry.apply(event));
  return new Proxy(store, {
    get(target, property, receiver) {
      switch (property) {
        case 'readStream':
          return async (streamId: string, options?: ReadStreamOptions) => up(await target.readStream(streamId, options));
        case 'readAll':
          return async (options?: ReadAllOptions) => {
            const slice = await target.readAll(options);
            return { ...slice, events: up(slice.events) };
          };
        case 'subscribeToAll':
          return (handler: BatchHandler, options?: SubscribeOptions) =>
            target.subscribeToAll((events, checkpoint) => handler(up(events), checkpoint), options);
        case 'findEvent':
          return async (eventId: string, options?: TenantScoped) => {
            const event = await target.findEvent(eventId, options);
            return event && registry.apply(event);
          };
        default: {
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
      }
    },
  });
}
