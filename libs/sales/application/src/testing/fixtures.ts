import { randomBytes } from 'node:crypto';
import {
  ANONYMOUS,
  DEFAULT_TENANT,
  InMemoryEventStore,
  streamCategory,
  type EventStore,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { ManualClock, newId } from '@crm/shared/kernel';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { leadDecider, SALES_PERSONAL_FIELDS, type CaptureLead, type LeadQualified, type QualifyLead } from '@crm/sales/domain';
import { leadStream } from '../common/streams';

/** What the sales specs run on: the in-memory store, a clock moved by hand, and the shared executor over them. */
export function salesWorld(start = '2026-01-10T09:00:00.000Z') {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(start);
  const executor = new CommandExecutor(store, clock, store);
  const context = (commandId: string = newId()): CommandContext => ({ commandId, actor: ANONYMOUS, tenantId: DEFAULT_TENANT });
  const streamTypes = async (streamId: string) => (await store.readStream(streamId)).map((event) => event.type);
  const allTypes = async () => (await store.readAll()).events.map((event) => `${streamCategory(event.streamId)}:${event.type}`);
  return { store, clock, executor, context, streamTypes, allTypes };
}

export type SalesWorld = ReturnType<typeof salesWorld>;

/**
 * The sales world with personal data sealed (the key store in memory), as the API runs it, for specs of what a refused
 * command leaves behind; `fresh()` is a request's context with an id the server made, `racing(meanwhile)` an executor
 * whose first multi-stream append waits for `meanwhile` (another process committing) before it goes.
 */
export function sealingSalesWorld(start = '2026-01-10T09:00:00.000Z') {
  const keyStore = new InMemoryKeyStore();
  const inner = new InMemoryEventStore();
  const store = new PersonalDataEventStore(inner, new DataKeys(keyStore, randomBytes(32)), SALES_PERSONAL_FIELDS);
  const clock = new ManualClock(start);
  const executor = new CommandExecutor(store, clock, inner);
  const fresh = (): CommandContext => {
    const commandId = newId();
    return { commandId, issuedCommandId: commandId, actor: ANONYMOUS, tenantId: DEFAULT_TENANT };
  };
  const racing = (meanwhile: () => Promise<unknown>) => {
    const raced = { times: 0 };
    const racingStore: EventStore = Object.create(store, {
      appendToStreams: {
        value: async (appends: readonly StreamAppend[], options?: { tenantId?: string }) => {
          if (raced.times === 0) {
            raced.times += 1;
            await meanwhile();
          }
          return store.appendToStreams(appends, options);
        },
      },
    }) as EventStore;
    return { executor: new CommandExecutor(racingStore, clock, inner), raced };
  };
  return { keyStore, inner, store, clock, executor, fresh, racing };
}

/** An executor over the world's store that notes every stream it loads: what a reaction reads. */
export function countingReads(world: SalesWorld): { readonly executor: CommandExecutor; readonly reads: string[] } {
  const reads: string[] = [];
  const counting: EventStore = Object.create(world.store, {
    readStream: {
      value: (streamId: string, options?: ReadStreamOptions) => {
        reads.push(streamId);
        return world.store.readStream(streamId, options);
      },
    },
  }) as EventStore;
  return { executor: new CommandExecutor(counting, world.clock, world.store), reads };
}

export function captureLead(data: Partial<CaptureLead['data']> = {}): CaptureLead {
  return {
    type: 'CaptureLead',
    data: { leadId: newId(), fullName: 'مریم احمدی', source: 'web', capturedAt: '2026-01-10T09:00:00.000Z', ...data },
  };
}

/** Records a LeadQualified the way the qualify handler does, without running the process: a crash right after it. */
export async function qualifiedLead(world: SalesWorld, qualify: Partial<QualifyLead['data']> = {}): Promise<RecordedEvent<LeadQualified>> {
  const lead = captureLead({ phone: '۰۹۱۲۱۲۳۴۵۶۷', company: 'شرکت فولاد مبارکه', interest: 'ورق فولادی' });
  const { leadId } = lead.data;
  await world.executor.execute(leadDecider, leadStream(leadId), lead, world.context());
  const command: QualifyLead = {
    type: 'QualifyLead',
    data: {
      leadId,
      contactId: newId(),
      accountId: newId(),
      opportunityId: newId(),
      opportunity: {
        name: 'ورق فولادی خط دوم',
        estimatedValue: { amount: 1_200_000_000, currency: 'IRR' },
        expectedCloseDate: '2026-03-20',
      },
      qualifiedAt: '2026-01-12T10:00:00.000Z',
      ...qualify,
    },
  };
  const context = world.context();
  await world.executor.execute(leadDecider, leadStream(leadId), command, context);
  return (await world.store.readStream(leadStream(leadId)))[1] as RecordedEvent<LeadQualified>;
}
