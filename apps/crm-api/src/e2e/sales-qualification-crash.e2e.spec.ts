import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppendOptions, EventStore, EventToAppend, RecordedEvent } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { SalesReactors } from '@crm/sales/application';
import type { LeadQualified } from '@crm/sales/domain';
import { loadConfig, openEventStore, type OpenedEventStore } from '@crm/platform';
import { startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

/** The SQLite store, except that appends to the chosen streams fail as if the process died right there. */
function crashingBefore(store: OpenedEventStore, crashes: (streamId: string) => boolean): OpenedEventStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendToStream') {
        return (streamId: string, events: readonly EventToAppend[], options?: AppendOptions) =>
          crashes(streamId)
            ? Promise.reject(new Error(`simulated crash before appending to ${streamId}`))
            : target.appendToStream(streamId, events, options);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const CREATED = ['ContactCreated', 'AccountOpened', 'OpportunityOpened'];

describe('lead qualification converges after a crash half-way (SQLite, app restarted on the same data)', () => {
  let server: TestApp;
  const { post, events, head } = salesClient(() => server);
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-crash-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['right after the lead event, before anything was created', ['account-', 'contact-', 'opportunity-']],
    ['after the account and contact, before the opportunity', ['opportunity-']],
  ])('crash %s: the restart creates exactly one contact, account and opportunity', async (_when, failing) => {
    const sqlite = await openEventStore(loadConfig({ CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dataDir }));
    const crashes = (streamId: string) => failing.some((prefix) => streamId.startsWith(prefix));
    server = await startTestApp({ CRM_DATA_DIR: dataDir }, { eventStore: crashingBefore(sqlite, crashes) });
    const lead = await post('/leads', { fullName: 'مریم احمدی', source: 'phone', phone: '۰۹۱۲۱۲۳۴۵۶۷', company: 'شرکت فولاد مبارکه' });
    const leadId = lead.body['id'] as string;
    const qualify = { opportunity: { name: 'ورق فولادی', estimatedValue: { amount: 800_000_000 }, expectedCloseDate: daysFromNow(45) } };
    const key = { 'idempotency-key': 'qualify-after-crash' };
    const crashed = await post(`/leads/${leadId}/qualify`, qualify, key);
    expect(crashed.status).toBe(500);
    const qualified = (await events(`lead-${leadId}`))[1] as RecordedEvent<LeadQualified> | undefined;
    expect(qualified?.type).toBe('LeadQualified');
    const { contact, account, opportunity } = qualified!.data;
    const made = { account: account.accountId, contact: contact.contactId, opportunity: opportunity.opportunityId };
    for (const [category, id] of Object.entries(made)) {
      expect(await events(`${category}-${id}`)).toHaveLength(failing.includes(`${category}-`) ? 0 : 1);
    }
    await server.close();

    server = await startTestApp({ CRM_DATA_DIR: dataDir });
    await server.app.get(SalesReactors).caughtUp();
    for (const [category, id] of Object.entries(made)) {
      const created = await events(`${category}-${id}`);
      expect(created).toHaveLength(1);
      expect(created[0]?.metadata.causationId).toBe(qualified!.metadata.eventId);
    }
    const store = server.app.get<symbol, EventStore>(EVENT_STORE);
    const slice = await store.readAll({ filter: { categories: ['contact', 'account', 'opportunity'], eventTypes: CREATED } });
    const forLead = slice.events.filter((event) => (event.data as { originLeadId?: string }).originLeadId === leadId);
    expect(forLead.map((event) => event.type).sort()).toEqual([...CREATED].sort());

    // The client's retry of the request that failed now gets the whole answer, and records nothing more.
    const before = await head();
    const retried = await post(`/leads/${leadId}/qualify`, qualify, key);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({
      id: leadId,
      revision: 1,
      contactId: contact.contactId,
      accountId: account.accountId,
      opportunityId: opportunity.opportunityId,
    });
    expect(await head()).toBe(before);
    await server.close();
  });
});
