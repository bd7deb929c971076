import { randomUUID } from 'node:crypto';
import { ANONYMOUS, DEFAULT_TENANT, type Event, type EventStore, type EventToAppend } from '@crm/shared/event-sourcing';
import { defineProjection, type ReadStore, type ReadStoreTransaction, type TransactionOptions } from '@crm/shared/read-model';

/** Test-only fixtures for the runner's specs: two small projections and a store that crashes on cue. */

export type DealEvent =
  | Event<'DealOpened', { dealId: string; owner: string; amount: number; poison?: boolean }>
  | Event<'DealWon', { dealId: string }>
  | Event<'DealDropped', { dealId: string }>;

export interface Deal {
  readonly dealId: string;
  readonly owner: string;
  readonly amount: number;
  readonly stage: 'open' | 'won';
  readonly label?: string;
}

/** A switch the tests flip to stand for "the bug was fixed and the code redeployed". */
export const bugs = { poisonThrows: true };

export function dealsProjection(version = 1) {
  return defineProjection<Deal, DealEvent>({
    name: 'deals',
    version,
    collection: 'deals',
    eventTypes: ['DealOpened', 'DealWon', 'DealDropped'],
    indexes: [['owner'], ['stage', 'amount']],
    documentId: (event) => event.data.dealId,
    evolve(doc, event) {
      switch (event.type) {
        case 'DealOpened':
          if (event.data.poison && bugs.poisonThrows) throw new Error('amount must be a Money value');
          return {
            dealId: event.data.dealId,
            owner: event.data.owner,
            amount: event.data.amount,
            stage: 'open',
            ...(version > 1 ? { label: `v${version}` } : {}),
          };
        case 'DealWon':
          return doc && { ...doc, stage: 'won' };
        case 'DealDropped':
          return null;
      }
    },
  });
}

export interface OwnerTotals {
  readonly owner: string;
  readonly deals: number;
  readonly amount: number;
}

/** Counts by increment: without the per-document position, a replayed event would count twice. */
export const ownersProjection = defineProjection<OwnerTotals, DealEvent>({
  name: 'owners',
  version: 1,
  collection: 'owners',
  eventTypes: ['DealOpened'],
  documentId: (event) => (event.type === 'DealOpened' ? event.data.owner : undefined),
  evolve(doc, event) {
    if (event.type !== 'DealOpened') return doc;
    return { owner: event.data.owner, deals: (doc?.deals ?? 0) + 1, amount: (doc?.amount ?? 0) + event.data.amount };
  },
});

function anEvent(type: DealEvent['type'], data: DealEvent['data'], occurredAt = '2026-01-01T08:30:00.000Z'): EventToAppend {
  const commandId = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: ANONYMOUS,
      tenantId: DEFAULT_TENANT,
      occurredAt,
      schemaVersion: 1,
    },
  };
}

export async function openDeal(store: EventStore, dealId: string, owner: string, amount: number, occurredAt?: string, poison?: boolean) {
  return store.appendToStream(`deal-${dealId}`, [
    anEvent('DealOpened', { dealId, owner, amount, ...(poison ? { poison } : {}) }, occurredAt),
  ]);
}

export async function winDeal(store: EventStore, dealId: string, occurredAt?: string) {
  return store.appendToStream(`deal-${dealId}`, [anEvent('DealWon', { dealId }, occurredAt)]);
}

export async function documents(store: ReadStore, collection: string): Promise<Record<string, unknown>> {
  const found = await store.find(collection);
  return Object.fromEntries(found.map((record) => [record.id, record.doc]));
}

/** A transaction that hands every call on to `tx`, but for the ones given. */
export function passThrough(tx: ReadStoreTransaction, instead: Partial<ReadStoreTransaction> = {}): ReadStoreTransaction {
  return {
    get: (c, id) => tx.get(c, id),
    getMany: (c, ids) => tx.getMany(c, ids),
    put: (c, id, doc, position) => tx.put(c, id, doc, position),
    delete: (c, id) => tx.delete(c, id),
    saveCheckpoint: (name, checkpoint) => tx.saveCheckpoint(name, checkpoint),
    saveState: (state) => tx.saveState(state),
    deleteState: (name) => tx.deleteState(name),
    ...instead,
  };
}

/**
 * A read store that, on cue, dies between writing a batch's documents and its
 * checkpoint: what a store without transactions (MongoDB standalone) can do.
 */
export class CrashingReadStore implements ReadStore {
  readonly atomic = false;
  private crash = false;

  constructor(private readonly inner: ReadStore) {}

  crashOnNextBatch(): void {
    this.crash = true;
  }

  async transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    if (!this.crash) return this.inner.transaction(work, options);
    this.crash = false;
    await this.inner.transaction((tx) =>
      work(passThrough(tx, { saveCheckpoint: () => undefined, saveState: () => undefined, deleteState: () => undefined })),
    );
    throw new Error('process died after the documents, before the checkpoint');
  }

  get: ReadStore['get'] = (collection, id) => this.inner.get(collection, id);
  getMany: ReadStore['getMany'] = (collection, ids) => this.inner.getMany(collection, ids);
  find: ReadStore['find'] = (collection, query) => this.inner.find(collection, query);
  count: ReadStore['count'] = (collection, where) => this.inner.count(collection, where);
  aggregate: ReadStore['aggregate'] = (collection, query) => this.inner.aggregate(collection, query);
  loadCheckpoint: ReadStore['loadCheckpoint'] = (name) => this.inner.loadCheckpoint(name);
  saveCheckpoint: ReadStore['saveCheckpoint'] = (name, checkpoint) => this.inner.saveCheckpoint(name, checkpoint);
  loadState: ReadStore['loadState'] = (name) => this.inner.loadState(name);
  listStates: ReadStore['listStates'] = () => this.inner.listStates();
  dropCollection: ReadStore['dropCollection'] = (collection) => this.inner.dropCollection(collection);
  ensureIndex: ReadStore['ensureIndex'] = (collection, fields) => this.inner.ensureIndex(collection, fields);
  acquireLease: ReadStore['acquireLease'] = (name, owner, ttlMs) => this.inner.acquireLease(name, owner, ttlMs);
  releaseLease: ReadStore['releaseLease'] = (name, owner) => this.inner.releaseLease(name, owner);
  listLeases: ReadStore['listLeases'] = () => this.inner.listLeases();
  close: ReadStore['close'] = () => this.inner.close();
}
