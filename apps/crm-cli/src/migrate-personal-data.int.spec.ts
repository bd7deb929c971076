import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { complaintDecider } from '@crm/service/domain';
import { anEvent } from '@crm/shared/testing';
import { handleCommand, verifyChain } from '@crm/shared/event-sourcing';
import { isSealed, personalDataLayer } from '@crm/shared/personal-data';
import { uuidV5 } from '@crm/shared/kernel';
import { loadConfig, openEventStore } from '@crm/platform';
import { cli } from './testing/run-cli-in-process';

const COMPLAINT = '0b6f3c52-2f0e-4d55-9d8e-6a1f3b7c9e21';
const OTHER_COMPLAINT = '5d0c8a1e-7b3f-4c2a-9e61-2f4b8d7a6c10';
const DESCRIPTION = 'کالای تحویلی معیوب بود و کسی پاسخگو نبود';
const PHONE_KEY = 'phone:+989123456789';
/** How claim streams were named before blind indexes: by the phone itself. */
const OLD_CLAIM_STREAM = `lead-key-${uuidV5(`default/${PHONE_KEY}`)}`;

describe('crm-cli migrate personal-data (real SQLite data directories)', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-migrate-'));
  const source = join(root, 'old');
  const target = join(root, 'new');
  let sourceEvents = 0;

  beforeAll(async () => {
    // A store written before sealing: plaintext personal data, a claim stream named by a phone number.
    mkdirSync(source, { recursive: true });
    const store = openSqliteEventStore({ file: join(source, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 400, seed: 7 });
    await handleCommand(store, complaintDecider, `complaint-${COMPLAINT}`, {
      type: 'ReceiveComplaint',
      data: {
        complaintId: COMPLAINT,
        complainant: { name: 'رضا کریمی', phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹' },
        channel: 'phone',
        category: 'کیفیت',
        description: DESCRIPTION,
        receivedAt: '2025-03-01T06:30:00.000Z',
      },
    });
    await store.appendToStream(OLD_CLAIM_STREAM, [
      anEvent('LeadKeyClaimed', { key: PHONE_KEY, leadId: COMPLAINT, claimedAt: '2025-03-01T06:30:00.000Z' }),
    ]);
    sourceEvents = Number(await store.headPosition());
    await store.close();
    // The source's read models, built from the plaintext events (a file standing for them is enough here).
    writeFileSync(join(source, 'read-models.sqlite'), DESCRIPTION);
    writeFileSync(join(source, 'read-models.sqlite-wal'), DESCRIPTION);
    expect(readFileSync(join(source, 'crm.sqlite')).includes(Buffer.from(DESCRIPTION))).toBe(true);
  }, 60_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses to write over a store or into its own directory', async () => {
    expect(await cli(['migrate', 'personal-data', '--to', source], { CRM_DATA_DIR: source })).toMatchObject({ code: 2 });
    expect(await cli(['migrate', 'personal-data'], { CRM_DATA_DIR: source })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--to'),
    });
  });

  it('rewrites every event sealed, with verified chains, claims by blind index, and no plaintext left in the new files', async () => {
    const run = await cli(['migrate', 'personal-data', '--to', target], { CRM_DATA_DIR: source });
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining(`migrated ${sourceEvents.toLocaleString('en-US')} events`) });
    for (const file of ['crm.sqlite', 'kek', 'server-secret']) expect(existsSync(join(target, file))).toBe(true);
    // Not the read models: they hold the plaintext the migration seals (before, they were copied: an outside probe).
    for (const file of ['read-models.sqlite', 'read-models.sqlite-wal'])
      expect([file, existsSync(join(target, file))]).toEqual([file, false]);

    const raw = openSqliteEventStore({ file: join(target, 'crm.sqlite') });
    try {
      expect(Number(await raw.headPosition())).toBe(sourceEvents);
      const [received] = await raw.readStream(`complaint-${COMPLAINT}`);
      expect(isSealed((received?.data as { description: unknown }).description)).toBe(true);
      expect(verifyChain(await raw.readStream(`complaint-${COMPLAINT}`)).ok).toBe(true);
      expect(await raw.readStream(OLD_CLAIM_STREAM)).toEqual([]);
      const claims = (await raw.readAll({ maxCount: 100_000, filter: { categories: ['lead-key'] } })).events;
      expect(claims.length).toBeGreaterThan(0);
      expect(JSON.stringify(claims)).not.toContain('989123456789');
    } finally {
      await raw.close();
    }
    for (const file of ['crm.sqlite', 'crm.sqlite-wal']) {
      if (existsSync(join(target, file))) expect(readFileSync(join(target, file)).includes(Buffer.from(DESCRIPTION))).toBe(false);
    }

    const opened = await openEventStore(loadConfig({ CRM_DATA_DIR: target }));
    try {
      const [received] = await opened.readStream(`complaint-${COMPLAINT}`);
      expect(received?.data).toMatchObject({ description: DESCRIPTION, complainant: { name: 'رضا کریمی' } });
    } finally {
      await opened.close();
    }
    expect(await cli(['rebuild', 'all'], { CRM_DATA_DIR: target })).toMatchObject({ code: 0 });
  }, 120_000);

  it('leaves a store whose personal fields are all sealed as it is: nothing to migrate, no new chains, no new keys', async () => {
    const needless = join(root, 'needless');
    const run = await cli(['migrate', 'personal-data', '--to', needless], { CRM_DATA_DIR: target });
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('holds no personal field in clear') });
    expect(run.stdout).toContain('nothing to migrate');
    // Before, it was rewritten whole: every chain new, every record under a new key (an outside probe).
    expect(existsSync(needless)).toBe(false);
  }, 60_000);

  it('carries erasures over: an erased record stays erased, its placeholders are not sealed again, nothing more about it is taken', async () => {
    // The sealed store written above, with the complaint erased there: its key destroyed and the fence up, as an erasure
    // leaves them; and one event in clear in it, as a process of the version before sealing would have written it
    // beside the sealed ones (a mixed store, which needs migrating).
    const ref = { tenantId: 'default', subjectRef: `complaint-${COMPLAINT}` };
    const sealed = await openEventStore(loadConfig({ CRM_DATA_DIR: target }));
    try {
      const layer = personalDataLayer(sealed);
      await layer?.keys.fence(ref);
      await layer?.keys.destroy(ref);
      await layer?.inner.appendToStream(`complaint-${OTHER_COMPLAINT}`, [
        anEvent('ComplaintReceived', {
          complaintId: OTHER_COMPLAINT,
          complainant: { name: 'مریم احمدی', phone: '+989121112233' },
          channel: 'phone',
          category: 'کیفیت',
          description: 'متن در حالت باز',
          receivedAt: '2025-03-02T06:30:00.000Z',
        }),
      ]);
    } finally {
      await sealed.close();
    }
    const again = join(root, 'again');
    const run = await cli(['migrate', 'personal-data', '--to', again], { CRM_DATA_DIR: target });
    expect(run).toMatchObject({ code: 0 });
    // In seconds (it printed hours for a run of seconds: milliseconds read as seconds).
    expect(run.stdout).toMatch(/ in \d+(\.\d)?s; /);

    const moved = await openEventStore(loadConfig({ CRM_DATA_DIR: again }));
    try {
      const [received] = await moved.readStream(`complaint-${COMPLAINT}`);
      expect(received?.data).toMatchObject({ description: '[erased]', complainant: { name: '[erased]' } });
      expect(await personalDataLayer(moved)?.keys.erasureOf(ref)).toEqual({ erased: true, fenced: true });
      // Before: a step with text was taken under a new live key and read in clear.
      const step = handleCommand(moved, complaintDecider, `complaint-${COMPLAINT}`, {
        type: 'AcknowledgeComplaint',
        data: { at: '2025-03-01T07:00:00.000Z', message: 'تماس با مریم احمدی ۰۹۱۲۹۹۹۸۸۷۷' },
      });
      await expect(step).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED' });
      expect(await moved.readStream(`complaint-${COMPLAINT}`)).toHaveLength(1);
      // The event that was in clear is sealed now, and reads as written.
      const [other] = await moved.readStream(`complaint-${OTHER_COMPLAINT}`);
      expect(other?.data).toMatchObject({ description: 'متن در حالت باز', complainant: { name: 'مریم احمدی' } });
      const [stored] = (await personalDataLayer(moved)?.inner.readStream(`complaint-${OTHER_COMPLAINT}`)) ?? [];
      expect(isSealed((stored?.data as { description: unknown }).description)).toBe(true);
    } finally {
      await moved.close();
    }
  }, 120_000);
});
