import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  END,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  StreamTombstonedError,
  UnsupportedError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendStreamRequest,
  type AppendStreamState,
  type EventData,
  type Filter,
  type Position,
} from '@kurrent/kurrentdb-client';
import type { KurrentClient } from '../client';

/**
 * An in-process stand-in for a KurrentDB node, behind the driver's own types
 * and errors: streams with exact expected revisions, the server's idempotent
 * re-append of the same ids, `$all` with system events in it, positions
 * (commit, prepare) where one write shares its commit position, server-side
 * filters, catch-up subscriptions with 'caughtUp' and checkpoint events,
 * multi-stream appends (string-only metadata, `$schema.*` added on read),
 * MaxAppendSize, tombstones. It is not the server: it lets the adapter's
 * handling of what the driver hands it run here, and the contract suite runs
 * against a real node in CI (README "Production topology").
 */
interface Stored {
  readonly streamId: string;
  readonly id: string;
  readonly type: string;
  readonly revision: bigint;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position: Position;
}

export interface FakeServerOptions {
  /** Whether it has `multiStreamAppend` (KurrentDB 25.1+) or not (EventStoreDB 24.x). */
  readonly multiStreamAppend?: boolean;
  readonly maxAppendSize?: number;
  /** A system event after every write, as the server's own statistics and metadata streams add. */
  readonly systemNoise?: boolean;
  /** Events the server considers between filtered-subscription checkpoints (its max search window). */
  readonly checkpointWindow?: number;
}

const bytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));
const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

export class FakeKurrentServer {
  readonly all: Stored[] = [];
  private readonly streams = new Map<string, Stored[]>();
  private readonly tombstones = new Set<string>();
  private readonly subscribers = new Set<(record: Stored) => void>();
  private log = 1000n;
  readonly options: Required<FakeServerOptions>;

  constructor(options: FakeServerOptions = {}) {
    this.options = { multiStreamAppend: true, maxAppendSize: 1024 * 1024, systemNoise: true, checkpointWindow: 32, ...options };
  }

  /** `throwOnAppendFailure: false`: a refused expectation resolves `{ success: false }`, as the driver's option makes it. */
  client(options: { throwOnAppendFailure?: boolean } = {}): KurrentClient {
    return new FakeKurrentClient(this, options.throwOnAppendFailure ?? true) as unknown as KurrentClient;
  }

  tombstone(name: string): void {
    this.tombstones.add(name);
    this.write([{ name: `$$${name}`, events: [{ type: '$streamDeleted', data: {}, id: randomUUID() }] }]);
  }

  revisionOf(name: string): bigint | undefined {
    const events = this.streams.get(name);
    return events && events.length > 0 ? (events[events.length - 1] as Stored).revision : undefined;
  }

  read(name: string): readonly Stored[] {
    if (this.tombstones.has(name)) throw StreamDeletedError.fromStreamName(name);
    const events = this.streams.get(name);
    if (!events || events.length === 0) throw new StreamNotFoundError(undefined, name);
    return events;
  }

  /** Checks every stream's expectation, then writes all or nothing. */
  append(
    requests: readonly { name: string; events: readonly EventData[]; state: AppendStreamState }[],
    v2: boolean,
  ): Stored[][] | 'idempotent' {
    const size = requests.reduce((total, r) => total + r.events.reduce((sum, e) => sum + bytes(e.data) + bytes(e.metadata), 0), 0);
    if (size > this.options.maxAppendSize) throw MaxAppendSizeExceededError.fromMaxAppendSize(this.options.maxAppendSize);
    for (const request of requests) {
      if (this.tombstones.has(request.name)) {
        throw v2
          ? new StreamTombstonedError(undefined as never, { stream: request.name } as never)
          : StreamDeletedError.fromStreamName(request.name);
      }
    }
    const only = requests.length === 1 ? requests[0] : undefined;
    if (only && !v2 && this.isReplay(only.name, only.events, only.state)) return 'idempotent';
    for (const { name, state } of requests) {
      const current = this.revisionOf(name);
      const ok =
        state === ANY ||
        (state === NO_STREAM && current === undefined) ||
        (state === STREAM_EXISTS && current !== undefined) ||
        (typeof state === 'bigint' && current === state);
      if (!ok) throw new WrongExpectedVersionError(undefined, { streamName: name, expected: state, current: current ?? NO_STREAM });
    }
    return this.write(
      requests.map((r) => ({
        name: r.name,
        events: r.events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata, id: e.id })),
      })),
      v2,
    );
  }

  subscribe(listener: (record: Stored) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /** The server answers a repeated append of the same ids at the same expected revision with success, writing nothing. */
  private isReplay(name: string, events: readonly EventData[], state: AppendStreamState): boolean {
    const stream = this.streams.get(name) ?? [];
    const first = events[0];
    if (!first) return false;
    const at = stream.findIndex((stored) => stored.id === first.id);
    if (at === -1) return false;
    const expectedAt = typeof state === 'bigint' ? Number(state) + 1 : state === NO_STREAM ? 0 : at;
    return at === expectedAt && events.every((event, i) => stream[at + i]?.id === event.id);
  }

  private write(
    requests: readonly { name: string; events: readonly { type: string; data: unknown; metadata?: unknown; id: string }[] }[],
    v2 = false,
  ): Stored[][] {
    const commit = this.log;
    const written = requests.map(({ name, events }) => {
      const stream = this.streams.get(name) ?? [];
      this.streams.set(name, stream);
      return events.map((event) => {
        const metadata =
          v2 && event.metadata !== undefined
            ? { ...(event.metadata as object), '$schema.format': 'Json', '$schema.name': event.type }
            : event.metadata;
        const record: Stored = {
          streamId: name,
          id: event.id,
          type: event.type,
          revision: BigInt(stream.length),
          data: clone(event.data),
          metadata: clone(metadata),
          position: { commit, prepare: this.log },
        };
        this.log += 100n;
        stream.push(record);
        this.all.push(record);
        return record;
      });
    });
    if (this.options.systemNoise && !requests.some((r) => r.name.startsWith('$'))) {
      const noise: Stored = {
        streamId: '$stats-127.0.0.1:2113',
        id: randomUUID(),
        type: '$statsCollected',
        revision: 0n,
        data: {},
        metadata: undefined,
        position: { commit: this.log, prepare: this.log },
      };
      this.log += 100n;
      this.all.push(noise);
    }
    for (const record of this.all.slice(this.all.length - written.flat().length - (this.options.systemNoise ? 1 : 0))) {
      for (const listener of this.subscribers) listener(record);
    }
    return written;
  }
}

export function toRecorded(stored: Stored) {
  return {
    streamId: stored.streamId,
    id: stored.id,
    revision: stored.revision,
    type: stored.type,
    data: clone(stored.data),
    metadata: clone(stored.metadata),
    isJson: true as const,
    created: new Date(0),
    position: stored.position,
  };
}

export function comparePosition(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}

export function passes(filter: Filter | undefined, stored: Stored): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'streamName' ? stored.streamId : stored.type;
  if ('prefixes' in filter) return filter.prefixes.some((prefix) => subject.startsWith(prefix));
  return new RegExp(filter.regex).test(subject);
}

class FakeKurrentClient {
  constructor(
    private readonly server: FakeKurrentServer,
    /** The driver's getter of the same name. */
    readonly throwOnAppendFailure: boolean,
  ) {}

  async appendToStream(name: string, events: EventData | EventData[], options: { streamState?: AppendStreamState } = {}) {
    const list = Array.isArray(events) ? events : [events];
    let written: ReturnType<FakeKurrentServer['append']>;
    try {
      written = this.server.append([{ name, events: list, state: options.streamState ?? ANY }], false);
    } catch (error) {
      if (this.throwOnAppendFailure || !(error instanceof WrongExpectedVersionError)) throw error;
      // The driver's v1 append with the option off (dist/streams/appendToStream/append.js).
      return { success: false, nextExpectedRevision: this.server.revisionOf(name) ?? -1n, position: undefined };
    }
    const revision = this.server.revisionOf(name) ?? -1n;
    const last = written === 'idempotent' ? undefined : written[0]?.[written[0].length - 1];
    return { success: true, nextExpectedRevision: revision, position: last?.position ?? this.server.read(name).at(-1)?.position };
  }

  async multiStreamAppend(requests: AppendStreamRequest[]) {
    if (!this.server.options.multiStreamAppend) throw new UnsupportedError('multiStreamAppend', '25.1');
    for (const request of requests) {
      for (const event of request.events) {
        const { metadata } = event;
        if (
          metadata != null &&
          (metadata instanceof Uint8Array || typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string'))
        ) {
          throw new Error('multiStreamAppend requires metadata to be a plain object with string keys and string values.');
        }
      }
    }
    const written = this.server.append(
      requests.map((r) => ({ name: r.streamName, events: r.events, state: r.expectedState })),
      true,
    ) as Stored[][];
    return {
      position: written.flat().at(-1)?.position.commit ?? 0n,
      responses: requests.map((r) => ({ streamName: r.streamName, revision: this.server.revisionOf(r.streamName) as bigint })),
    };
  }

  readStream(
    name: string,
    options: { direction?: string; fromRevision?: bigint | typeof START | typeof END; maxCount?: number | bigint } = {},
  ) {
    const server = this.server;
    return (async function* () {
      const events = server.read(name);
      const backwards = options.direction === BACKWARDS;
      const from = options.fromRevision;
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const ordered = backwards ? [...events].reverse() : events;
      const selected = ordered.filter((e) => (typeof from !== 'bigint' ? true : backwards ? e.revision <= from : e.revision >= from));
      for (const event of selected.slice(0, max)) yield { event: toRecorded(event) };
    })();
  }

  readAll(
    options: { fromPosition?: Position | typeof START | typeof END; direction?: string; maxCount?: number | bigint; filter?: Filter } = {},
  ) {
    const all = this.server.all;
    return (async function* () {
      const backwards = options.direction === BACKWARDS;
      const from = options.fromPosition;
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const ordered = backwards ? [...all].reverse() : [...all];
      let count = 0;
      for (const stored of ordered) {
        if (typeof from === 'object' && from !== null) {
          const order = comparePosition(stored.position, from);
          // Inclusive of the record at the position, like the server.
          if (backwards ? order > 0 : order < 0) continue;
        }
        if (!passes(options.filter, stored)) continue;
        yield { event: toRecorded(stored) } as AllStreamResolvedEvent;
        if (++count >= max) return;
      }
    })();
  }

  subscribeToAll(options: { fromPosition?: Position | typeof START | typeof END; filter?: Filter } = {}) {
    return new FakeSubscription(this.server, options);
  }

  async setStreamMetadata(name: string, metadata: object) {
    this.server.append(
      [
        {
          name: `$$${name}`,
          events: [{ id: randomUUID(), type: '$metadata', data: metadata, contentType: 'application/json' } as EventData],
          state: ANY,
        },
      ],
      false,
    );
    return { success: true, nextExpectedRevision: 0n };
  }

  async dispose() {
    return undefined;
  }
}

/** History then live, as an object-mode stream; 'caughtUp' and checkpoints are signalled from the producing side. */
export class FakeSubscription extends Readable {
  private readonly unsubscribeLive: () => void;
  private considered = 0;
  private isClosed = false;

  constructor(
    private readonly server: FakeKurrentServer,
    private readonly options: { fromPosition?: Position | typeof START | typeof END; filter?: Filter },
  ) {
    super({ objectMode: true, read: () => undefined, highWaterMark: 16 });
    const pending: Stored[] = [];
    let replaying = true;
    this.unsubscribeLive = server.subscribe((record) => (replaying ? pending.push(record) : this.offer(record)));
    setImmediate(() => {
      const from = options.fromPosition;
      const history = [...server.all];
      for (const stored of history) {
        if (typeof from === 'object' && from !== null && comparePosition(stored.position, from) <= 0) continue;
        this.offer(stored);
      }
      const seen = new Set(history);
      for (const record of pending.splice(0)) if (!seen.has(record)) this.offer(record);
      replaying = false;
      if (!this.isClosed) this.emit('caughtUp', {});
    });
  }

  async unsubscribe(): Promise<void> {
    this.isClosed = true;
    this.unsubscribeLive();
  }

  /** Test hook: the server drops the subscription (leader change, deadline). */
  dropWith(error: Error): void {
    this.unsubscribeLive();
    this.emit('error', error);
  }

  private offer(stored: Stored): void {
    if (this.isClosed) return;
    const filter = this.options.filter;
    if (passes(filter, stored)) this.push({ event: toRecorded(stored) });
    this.considered += 1;
    if (filter?.checkpointReached && this.considered % (filter.checkpointInterval * this.server.options.checkpointWindow) === 0) {
      void filter.checkpointReached(this as never, stored.position);
    }
  }
}
