import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountDecider, SALES_PERSONAL_FIELDS, type AccountCommand } from '@crm/sales/domain';
import {
  ANONYMOUS,
  DEFAULT_TENANT,
  everyEvent,
  handleCommand,
  InMemoryEventStore,
  type EventStore,
  type RecordedEvent,
  type StreamAppend,
} from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import { newId, systemClock } from '@crm/shared/kernel';
import { BlindIndex, DataKeys, InMemoryKeyStore, personalDataLayer, PersonalDataEventStore } from '@crm/shared/personal-data';
import { anEvent } from '@crm/shared/testing';
import { loadConfig, loadServerSecret, openEventStore, type OpenedEventStore } from '@crm/platform';
import { claimNationalIds, DUPLICATES_EXIT, ForeignSecretError } from './national-id-claims';
import { cli } from './testing/run-cli-in-process';

/** The application layer, loaded as the CLI loads it: only when needed. */
const sales = () => import('@crm/sales/application');

/** A company's شناسه ملی and a person's کد ملی, with their check digits right. */
const COMPANY = '10100123456';
const OTHER_COMPANY = '14100345671';
const PERSON = '0012345679';
const SHARED = '10380284790';
const ERASED_ONES = '0499370899';
const GUARDED = '0076229645';
const ME = { id: 'cli:test', roles: [] };

/** An account opened (and changed) by appending its decided events directly, as the demo seed does: no claim. */
async function openDirectly(store: EventStore, data: { nationalId?: string; tenantId?: string; movedTo?: string } = {}): Promise<string> {
  const accountId = newId();
  const tenantId = data.tenantId ?? DEFAULT_TENANT;
  const decide = (command: AccountCommand) =>
    handleCommand(store, accountDecider, `account-${accountId}`, command, { tenantId, actor: { id: 'sales-01', roles: ['sales'] } });
  await decide({
    type: 'OpenAccount',
    data: { accountId, name: `شرکت ${accountId.slice(0, 4)}`, nationalId: data.nationalId, openedAt: '2025-02-01T06:30:00.000Z' },
  });
  if (data.movedTo !== undefined)
    await decide({ type: 'UpdateAccount', data: { accountId, nationalId: data.movedTo, updatedAt: '2025-02-02T06:30:00.000Z' } });
  return accountId;
}

/** The API's opening of an account: through the guard, with the installation's blind index. */
async function openThroughApi(store: EventStore, index: BlindIndex, nationalId: string, tenantId = DEFAULT_TENANT) {
  const accountId = newId();
  const now = new Date();
  const command: AccountCommand = { type: 'OpenAccount', data: { accountId, name: 'شرکت تازه', nationalId, openedAt: now.toISOString() } };
  const context = { commandId: newId(), actor: ANONYMOUS, tenantId };
  const { executeClaimingNationalId } = await sales();
  const result = await executeClaimingNationalId(new CommandExecutor(store, systemClock), index, accountId, command, context, now);
  return { id: accountId, revision: result.nextExpectedRevision };
}

const claimsIn = async (store: EventStore) => {
  const { NATIONAL_ID_CATEGORY } = await sales();
  const claims = [];
  for await (const event of everyEvent(store, { filter: { categories: [NATIONAL_ID_CATEGORY] } })) claims.push(event);
  return claims;
};

describe('crm-cli claim-national-ids (real SQLite data directory, sealed personal data)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-claim-ids-'));
  const env = { CRM_DATA_DIR: dataDir };
  const config = loadConfig({ CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dataDir });
  let store: OpenedEventStore;
  let index: BlindIndex;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    store = await openEventStore(config, env);
    // The API's blind index: the server secret beside the store, as the CLI loads it.
    index = new BlindIndex(loadServerSecret(config, env));
    ids['company'] = await openDirectly(store, { nationalId: COMPANY });
    ids['moved'] = await openDirectly(store, { nationalId: PERSON, movedTo: OTHER_COMPANY });
    ids['none'] = await openDirectly(store);
    ids['erased'] = await openDirectly(store, { nationalId: ERASED_ONES });
    await personalDataLayer(store)?.keys.destroy({ tenantId: DEFAULT_TENANT, subjectRef: `account-${ids['erased']}` });
    ids['twin1'] = await openDirectly(store, { nationalId: SHARED });
    ids['twin2'] = await openDirectly(store, { nationalId: SHARED });
    ids['acme'] = await openDirectly(store, { nationalId: COMPANY, tenantId: 'acme' });
    // An id no decider takes today, written by an older version (a wrong check digit).
    ids['invalid'] = newId();
    await store.appendToStream(`account-${ids['invalid']}`, [
      anEvent('AccountOpened', { accountId: ids['invalid'], name: 'قدیمی', nameKey: 'قدیمی', nationalId: '10100123457' }),
    ]);
    // One opened since the upgrade, through the API's guard: claimed already.
    ids['guarded'] = (await openThroughApi(store, index, GUARDED)).id;
  });

  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('dry run: appends nothing, counts what it would claim, lists the pre-existing duplicate by account ids only (exit 3)', async () => {
    const head = await store.headPosition();
    const run = await cli(['claim-national-ids', '--all-tenants', '--dry-run', '--json'], env);
    expect(run.code).toBe(DUPLICATES_EXIT);
    expect(JSON.parse(run.stdout)).toEqual({
      dryRun: true,
      head,
      accounts: 9,
      appended: 5,
      alreadyClaimed: 1,
      skipped: { noId: 1, erased: 1, invalid: 1 },
      duplicates: [{ tenantId: DEFAULT_TENANT, accountIds: [ids['twin1'], ids['twin2']].sort() }],
    });
    expect(await store.headPosition()).toBe(head);
    for (const id of [COMPANY, PERSON, OTHER_COMPANY, SHARED, ERASED_ONES]) expect(run.stdout + run.stderr).not.toContain(id);
  });

  it('refuses a server secret other than the API’s, before appending anything', async () => {
    const head = await store.headPosition();
    const other = new BlindIndex(randomBytes(32));
    await expect(claimNationalIds(store, { index: other, tenantId: undefined, actor: ME })).rejects.toBeInstanceOf(ForeignSecretError);
    expect(await store.headPosition()).toBe(head);
    expect(await cli(['claim-national-ids'], { ...env, CRM_SERVER_SECRET: 'not the one' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('server secret'),
    });
  });

  it('makes no server secret of its own: with none configured it refuses (exit 2) and creates none', async () => {
    // A backfill under a secret made here would name claim streams the API never reads, for good (a review found it).
    const elsewhere = mkdtempSync(join(tmpdir(), 'crm-no-secret-'));
    // The same store and keys, without the secret the API made beside them.
    cpSync(dataDir, elsewhere, { recursive: true });
    rmSync(join(elsewhere, 'server-secret'), { force: true });
    try {
      const head = await store.headPosition();
      const run = await cli(['claim-national-ids'], { ...env, CRM_DATA_DIR: elsewhere, CRM_SERVER_SECRET: '' });
      expect(run).toMatchObject({ code: 2, stderr: expect.stringContaining('no server secret') });
      expect(existsSync(join(elsewhere, 'server-secret'))).toBe(false);
      // Nor does a seed onto a store that has events (it may make one for a store of its own): refused, nothing written.
      const noSecret = { ...env, CRM_DATA_DIR: elsewhere, CRM_SERVER_SECRET: '' };
      const events = async () => (await cli(['export', 'events', '--all-tenants'], noSecret)).stdout.split('\n').length;
      const before = await events();
      const seeded = await cli(['seed', '--seed', '9', '--events', '300'], noSecret);
      expect(seeded).toMatchObject({ code: 2, stderr: expect.stringContaining('no server secret') });
      expect(existsSync(join(elsewhere, 'server-secret'))).toBe(false);
      expect(await events()).toBe(before);
      expect(await store.headPosition()).toBe(head);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('claims each account’s current id once, run twice at once and again; skips erased, id-less and invalid ones', async () => {
    const runs = await Promise.all([1, 2].map(() => claimNationalIds(store, { index, tenantId: undefined, actor: ME })));
    expect(runs.map((run) => run.appended).reduce((a, b) => a + b)).toBe(5);
    for (const run of runs) {
      expect(run).toMatchObject({ accounts: 9, skipped: { noId: 1, erased: 1, invalid: 1 }, stopped: false });
      expect(run.appended + run.alreadyClaimed).toBe(6);
      expect(run.duplicates).toEqual([{ tenantId: DEFAULT_TENANT, accountIds: [ids['twin1'], ids['twin2']].sort() }]);
    }
    const claims = await claimsIn(store);
    const claimed = claims.map((event) => `${event.metadata.tenantId}/${(event.data as { accountId: string }).accountId}`);
    expect(claimed.sort()).toEqual(
      [`acme/${ids['acme']}`, ...['company', 'moved', 'twin1', 'twin2', 'guarded'].map((name) => `${DEFAULT_TENANT}/${ids[name]}`)].sort(),
    );
    // Each in the stream of the id the account holds now (the moved one's current id, not its first), named by the
    // blind index: no national id in any claim.
    const { nationalIdClaimKey, nationalIdStream } = await sales();
    const streamOf = (tenantId: string, id: string) => nationalIdStream(nationalIdClaimKey(index, tenantId, id));
    const streamOfAccount = new Map(claims.map((event) => [(event.data as { accountId: string }).accountId, event.streamId]));
    expect(streamOfAccount.get(ids['moved'] as string)).toBe(streamOf(DEFAULT_TENANT, OTHER_COMPANY));
    expect(streamOfAccount.get(ids['acme'] as string)).toBe(streamOf('acme', COMPANY));
    for (const id of [COMPANY, PERSON, OTHER_COMPANY, SHARED, ERASED_ONES]) expect(JSON.stringify(claims)).not.toContain(id);

    // Again, from the CLI: nothing appended; the duplicate listed on stdout by tenant and account ids (exit 3).
    const head = await store.headPosition();
    const again = await cli(['claim-national-ids'], env);
    expect(again.code).toBe(DUPLICATES_EXIT);
    expect(again.stderr).toMatch(
      /^claimed 0 national ids of 8 accounts: 5 claimed already, 3 skipped \(1 with no id, 1 erased, 1 not a valid id\)/m,
    );
    expect(again.stdout).toMatch(new RegExp(`^${DEFAULT_TENANT} +${[ids['twin1'], ids['twin2']].sort().join(' ')}$`, 'm'));
    expect(again.stdout).not.toContain(SHARED);
    expect(await store.headPosition()).toBe(head);
    // The other tenant's account, with an id another tenant's account holds too, is no duplicate.
    expect(await cli(['claim-national-ids', '--tenant', 'acme'], env)).toMatchObject({ code: 0, stdout: '' });
  });

  it('the API’s guard then refuses a new account with an id an old account holds, and takes the ids no account holds', async () => {
    await expect(openThroughApi(store, index, COMPANY)).rejects.toMatchObject({
      code: 'ACCOUNT.DUPLICATE',
      details: { existingAccountId: ids['company'] },
    });
    await expect(openThroughApi(store, index, OTHER_COMPANY)).rejects.toMatchObject({ details: { existingAccountId: ids['moved'] } });
    await expect(openThroughApi(store, index, SHARED)).rejects.toMatchObject({ code: 'ACCOUNT.DUPLICATE' });
    await expect(openThroughApi(store, index, COMPANY, 'acme')).rejects.toMatchObject({ details: { existingAccountId: ids['acme'] } });
    // The id the moved account left, and the erased account's, are held by no account.
    await expect(openThroughApi(store, index, PERSON)).resolves.toMatchObject({ revision: 0 });
    await expect(openThroughApi(store, index, ERASED_ONES)).resolves.toMatchObject({ revision: 0 });
  });

  it('seed: the seeded accounts hold their ids (the API refuses a second account with one)', async () => {
    const seedDir = mkdtempSync(join(tmpdir(), 'crm-claim-ids-seed-'));
    const seedEnv = { CRM_DATA_DIR: seedDir };
    try {
      const seeded = await cli(['seed', '--events', '300', '--tenant', 'acme'], seedEnv);
      expect(seeded).toMatchObject({ code: 0, stderr: expect.stringMatching(/^claimed \d+ national ids of \d+ accounts/m) });
      const seedConfig = loadConfig(seedEnv);
      const seededStore = await openEventStore(seedConfig, seedEnv);
      try {
        const opened: RecordedEvent[] = [];
        for await (const event of everyEvent(seededStore, { filter: { eventTypes: ['AccountOpened'], tenantId: 'acme' } }))
          if ((event.data as { nationalId?: string }).nationalId !== undefined) opened.push(event);
        expect(opened.length).toBeGreaterThan(0);
        const first = opened[0] as RecordedEvent;
        const seededIndex = new BlindIndex(loadServerSecret(seedConfig, seedEnv));
        await expect(
          openThroughApi(seededStore, seededIndex, (first.data as { nationalId: string }).nationalId, 'acme'),
        ).rejects.toMatchObject({
          code: 'ACCOUNT.DUPLICATE',
          details: { existingAccountId: (first.data as { accountId: string }).accountId },
        });
        // Another seed on the same tenant gives its accounts ids of their own: no duplicates.
        expect(await cli(['seed', '--events', '300', '--tenant', 'acme', '--seed', '2'], seedEnv)).toMatchObject({ code: 0, stdout: '' });
      } finally {
        await seededStore.close();
      }
    } finally {
      rmSync(seedDir, { recursive: true, force: true });
    }
  });
});

describe('claimNationalIds beside the API (in memory, sealed)', () => {
  it('decides again when the guard appends a claim on the id between its read and its append, and lists the two', async () => {
    const inner = new InMemoryEventStore();
    const store = new PersonalDataEventStore(inner, new DataKeys(new InMemoryKeyStore(), randomBytes(32)), SALES_PERSONAL_FIELDS);
    const index = new BlindIndex(randomBytes(32));
    const old = await openDirectly(store, { nationalId: COMPANY });
    const { NATIONAL_ID_CATEGORY } = await sales();
    let opened = '';
    // The API opens an account with the id (no claim yet, so it is let through) just before the backfill's append.
    const racing: EventStore = Object.create(store, {
      appendToStream: {
        value: async (streamId: string, events: StreamAppend['events'], options?: { tenantId?: string }) => {
          if (opened === '' && streamId.startsWith(NATIONAL_ID_CATEGORY)) opened = (await openThroughApi(store, index, COMPANY)).id;
          return store.appendToStream(streamId, events, options);
        },
      },
    }) as EventStore;
    const run = await claimNationalIds(racing, { index, tenantId: DEFAULT_TENANT, actor: ME });
    expect(run).toMatchObject({ appended: 1, alreadyClaimed: 0 });
    expect(run.duplicates).toEqual([{ tenantId: DEFAULT_TENANT, accountIds: [old, opened].sort() }]);
    const claims = await claimsIn(store);
    expect(claims.map((event) => (event.data as { accountId: string }).accountId)).toEqual([opened, old]);
  });
});
