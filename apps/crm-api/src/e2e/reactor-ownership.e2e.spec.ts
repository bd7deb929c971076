import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANONYMOUS, handleCommand, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { EVENT_STORE, READ_STORE } from '@crm/shared/http';
import { derivedId, newId } from '@crm/shared/kernel';
import type { ReadStore } from '@crm/shared/read-model';
import { LeadQualificationProcess } from '@crm/sales/application';
import { leadDecider, type QualifyLead } from '@crm/sales/domain';
import { startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';
import { waitUntil } from '@crm/shared/testing';

const CREATED = ['ContactCreated', 'AccountOpened', 'OpportunityOpened'];
const REACTORS = ['sales.lead-qualification', 'sales.quote-acceptance'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two API servers on one data directory, as two replicas share their stores: the sales process managers
 * react in one of them only (the holder of each reactor's lease), and the other takes over when it leaves.
 */
describe('reactors in two API processes on the same stores', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-reactor-owners-'));
  // 3 s leases: with 1 s ones a loaded run (two suites beside this one) stalled the owner past its lease, the standby
  // took the reactor, and the owner was said not to have reacted (a CI run).
  const env = { CRM_DATA_DIR: dataDir, CRM_LEASE_TTL_MS: '3000' };
  const servers: TestApp[] = [];
  const reacted = new Map<TestApp, string[]>();

  const start = async () => {
    const server = await startTestApp(env);
    servers.push(server);
    // What each server's qualification process reacts to (the reactor calls `react` on this instance).
    const process = server.app.get(LeadQualificationProcess);
    const react = process.react.bind(process);
    const seen: string[] = [];
    reacted.set(server, seen);
    process.react = async (event: RecordedEvent) => {
      if (event.type === 'LeadQualified') seen.push(event.metadata.eventId);
      return react(event);
    };
    return server;
  };

  afterAll(async () => {
    for (const server of servers) await server.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A lead qualified as before writes were atomic: the lead's event alone, which the process manager completes. */
  async function qualifiedAlone(server: TestApp): Promise<{ leadId: string; eventId: string }> {
    const { post } = salesClient(() => server);
    const leadId = (
      await post('/leads', { fullName: 'مریم احمدی', source: 'phone', phone: `۰۹۱۲${String(Date.now() % 10_000_000).padStart(7, '0')}` })
    ).body['id'] as string;
    const commandId = newId();
    const command: QualifyLead = {
      type: 'QualifyLead',
      data: {
        leadId,
        contactId: derivedId(commandId, 'contact'),
        accountId: derivedId(commandId, 'account'),
        opportunityId: derivedId(commandId, 'opportunity'),
        opportunity: {
          name: 'ورق فولادی',
          estimatedValue: { amount: 800_000_000, currency: 'IRR' },
          expectedCloseDate: daysFromNow(45),
        },
        qualifiedAt: new Date().toISOString(),
      },
    };
    const store = server.app.get<symbol, EventStore>(EVENT_STORE);
    await handleCommand(store, leadDecider, `lead-${leadId}`, command, { commandId, actor: ANONYMOUS });
    const qualified = (await store.readStream(`lead-${leadId}`))[1] as RecordedEvent;
    expect(qualified.type).toBe('LeadQualified');
    return { leadId, eventId: qualified.metadata.eventId };
  }

  async function createdFor(server: TestApp, leadId: string): Promise<string[]> {
    const store = server.app.get<symbol, EventStore>(EVENT_STORE);
    const slice = await store.readAll({ filter: { categories: ['contact', 'account', 'opportunity'], eventTypes: CREATED } });
    return slice.events.filter((event) => (event.data as { originLeadId?: string }).originLeadId === leadId).map((event) => event.type);
  }

  async function owners(server: TestApp): Promise<string[]> {
    const leases = await server.app.get<symbol, ReadStore>(READ_STORE).listLeases();
    return REACTORS.map((name) => leases.find((lease) => lease.name === name)?.owner ?? 'none');
  }

  it('one server reacts; when it leaves, the other completes what comes next; nothing is created twice', async () => {
    const first = await start();
    const second = await start();
    const [qualification] = await owners(first);
    expect(await owners(second)).toEqual([qualification, expect.any(String)]);

    const one = await qualifiedAlone(second);
    await waitUntil(async () => (await createdFor(first, one.leadId)).length === 3, 'the owner to complete the qualification', 20_000);
    // A few renewal rounds and polls more: the standby must not react meanwhile.
    await sleep(1500);
    expect(reacted.get(first)).toEqual([one.eventId]);
    expect(reacted.get(second)).toEqual([]);

    await first.close();
    servers.splice(servers.indexOf(first), 1);
    // Within a few 3 s leases; 15 s leaves room for a loaded run (the failover bound itself is the leases specs').
    await waitUntil(async () => !(await owners(second)).includes(qualification as string), 'the second server to take the leases', 15_000);
    const two = await qualifiedAlone(second);
    await waitUntil(async () => (await createdFor(second, two.leadId)).length === 3, 'the new owner to complete the qualification', 20_000);
    expect(reacted.get(second)).toContain(two.eventId);
    expect((await createdFor(second, one.leadId)).sort()).toEqual([...CREATED].sort());
    expect((await createdFor(second, two.leadId)).sort()).toEqual([...CREATED].sort());
  }, 90_000);
});
