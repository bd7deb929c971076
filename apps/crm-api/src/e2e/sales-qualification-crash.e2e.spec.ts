import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ANONYMOUS,
  DEFAULT_TENANT,
  handleCommand,
  type EventStore,
  type RecordedEvent,
  type StreamAppend,
  type TenantScoped,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, EVENT_STORE } from '@crm/shared/http';
import { ManualClock, derivedId, uuidV5 } from '@crm/shared/kernel';
import { LeadQualificationProcess, SalesReactors } from '@crm/sales/application';
import { leadDecider, type LeadQualified, type QualifyLead } from '@crm/sales/domain';
import { loadConfig, openEventStore, type OpenedEventStore } from '@crm/platform';
import { startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

/** The SQLite store, except that a multi-stream append creating an opportunity fails as if the process died right there. */
function crashingOnMultiStreamAppends(store: OpenedEventStore): OpenedEventStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendToStreams') {
        return (appends: readonly StreamAppend[], options?: TenantScoped) =>
          appends.some((append) => append.streamId.startsWith('opportunity-'))
            ? Promise.reject(new Error('simulated crash during the append'))
            : target.appendToStreams(appends, options);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const CREATED = ['ContactCreated', 'AccountOpened', 'OpportunityOpened'];
const KEY = 'qualify-after-crash';
/** The command id the HTTP edge derives from that Idempotency-Key (command-context.ts). */
const COMMAND_ID = uuidV5(`${DEFAULT_TENANT}/${KEY}`);

describe('lead qualification after a crash (SQLite, app restarted on the same data)', () => {
  let server: TestApp | undefined;
  const { post, events, head } = salesClient(() => server as TestApp);
  let dataDir: string;
  const qualify = { opportunity: { name: 'ورق فولادی', estimatedValue: { amount: 800_000_000 }, expectedCloseDate: daysFromNow(45) } };
  const lead = { fullName: 'مریم احمدی', source: 'phone', phone: '۰۹۱۲۱۲۳۴۵۶۷', company: 'شرکت فولاد مبارکه' };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-crash-'));
  });
  const closeServer = async () => {
    const running = server;
    server = undefined;
    await running?.close();
  };
  // A failed expectation must not leave a server listening (Jest would never exit).
  afterEach(async () => {
    await closeServer();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function createdFor(leadId: string): Promise<string[]> {
    const store = (server as TestApp).app.get<symbol, EventStore>(EVENT_STORE);
    const slice = await store.readAll({ filter: { categories: ['contact', 'account', 'opportunity'], eventTypes: CREATED } });
    return slice.events.filter((event) => (event.data as { originLeadId?: string }).originLeadId === leadId).map((event) => event.type);
  }

  it('a crash during the atomic append records nothing, and the retry records everything once', async () => {
    const sqlite = await openEventStore(loadConfig({ CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dataDir }));
    server = await startTestApp({ CRM_DATA_DIR: dataDir }, { eventStore: crashingOnMultiStreamAppends(sqlite) });
    const leadId = (await post('/leads', lead)).body['id'] as string;
    const before = await head();
    expect((await post(`/leads/${leadId}/qualify`, qualify, { 'idempotency-key': KEY })).status).toBe(500);
    expect(await head()).toBe(before);
    await closeServer();

    server = await startTestApp({ CRM_DATA_DIR: dataDir });
    const retried = await post(`/leads/${leadId}/qualify`, qualify, { 'idempotency-key': KEY });
    expect(retried.body).toMatchObject({ id: leadId, revision: 1 });
    expect((await createdFor(leadId)).sort()).toEqual([...CREATED].sort());
    await closeServer();
  });

  it.each([
    ['the lead event alone', []],
    ['the lead event, the account and the contact', ['open-account', 'create-contact']],
  ])('a qualification recorded before writes were atomic (%s) is completed on restart, once', async (_what, recordedSteps) => {
    server = await startTestApp({ CRM_DATA_DIR: dataDir });
    const leadId = (await post('/leads', lead)).body['id'] as string;
    await closeServer();

    // What the handler used to record before a crash: the lead's decision (ids from the command id), then some of its process.
    const store = await openEventStore(loadConfig({ CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dataDir }));
    const command: QualifyLead = {
      type: 'QualifyLead',
      data: {
        leadId,
        contactId: derivedId(COMMAND_ID, 'contact'),
        accountId: derivedId(COMMAND_ID, 'account'),
        opportunityId: derivedId(COMMAND_ID, 'opportunity'),
        opportunity: { ...qualify.opportunity, estimatedValue: { amount: 800_000_000, currency: 'IRR' } },
        qualifiedAt: new Date().toISOString(),
      },
    };
    await handleCommand(store, leadDecider, `lead-${leadId}`, command, { commandId: COMMAND_ID, actor: ANONYMOUS });
    const qualified = (await store.readStream(`lead-${leadId}`))[1] as RecordedEvent<LeadQualified>;
    const executor = new CommandExecutor(store, new ManualClock(new Date()), store);
    const process = new LeadQualificationProcess(executor);
    for (const step of process.steps(qualified).filter((s) => recordedSteps.includes(s.step))) {
      await executor.execute(step.decider, step.streamId, step.command, {
        commandId: derivedId(qualified.metadata.eventId, step.step),
        causationId: qualified.metadata.eventId,
        correlationId: qualified.metadata.correlationId,
        actor: ANONYMOUS,
        tenantId: DEFAULT_TENANT,
      });
    }
    await store.close();

    server = await startTestApp({ CRM_DATA_DIR: dataDir });
    await server.app.get(SalesReactors).caughtUp();
    const { contact, account, opportunity } = qualified.data;
    const made = { account: account.accountId, contact: contact.contactId, opportunity: opportunity.opportunityId };
    for (const [category, id] of Object.entries(made)) {
      const created = await events(`${category}-${id}`);
      expect(created).toHaveLength(1);
      expect(created[0]?.metadata.causationId).toBe(qualified.metadata.eventId);
    }
    expect((await createdFor(leadId)).sort()).toEqual([...CREATED].sort());

    // The client's retry of the request that failed gets the whole answer, and records nothing more.
    const before = await head();
    const retried = await post(`/leads/${leadId}/qualify`, qualify, { 'idempotency-key': KEY });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({
      id: leadId,
      revision: 1,
      contactId: contact.contactId,
      accountId: account.accountId,
      opportunityId: opportunity.opportunityId,
    });
    expect(await head()).toBe(before);
  });
});
