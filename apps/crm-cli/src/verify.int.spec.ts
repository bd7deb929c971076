import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { chainHash, contentHash, InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { PersonalDataEventStore, SEALED_PREFIX, type DataKeys } from '@crm/shared/personal-data';
import { ALL_PERSONAL_FIELDS } from '@crm/platform';
import { anEvent } from '@crm/shared/testing';
import { SealedRecords } from './commands/verify';
import { cli } from './testing/run-cli-in-process';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * `crm-cli verify`: every stream's hash chain across the whole log, in one pass. Before, an auditor could only check
 * one stream at a time (`stream`, about a second each), and nothing told of a tampered event elsewhere in the log.
 */
describe('crm-cli verify (real SQLite data directory, and PostgreSQL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-verify-'));
  const env = { CRM_DATA_DIR: dataDir };

  beforeAll(async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 2000, seed: 11 });
    await store.close();
  }, 60_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finds every chain whole in an untouched log (exit 0), and refuses bad usage (exit 2)', async () => {
    const run = await cli(['verify'], env);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toMatch(/verified 2,0\d\d events in [\d,]+ streams up to position \d+ in [\d.]+s: every chain whole/);
    expect(await cli(['verify', '--tenant', 'x', '--all-tenants'], env)).toMatchObject({ code: 2 });
    // A mistyped tenant is not silently "every chain whole".
    const nobody = await cli(['verify', '--tenant', 'nosuch'], env);
    expect(nobody.stderr).toContain('note: tenant nosuch has no events in this log');
    expect(await cli(['verify', 'extra'], env)).toMatchObject({ code: 2 });
  });

  it('names each broken stream once, at its first break: an edited event, and an event taken out (exit 1)', async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const streams = store.db
      .prepare('SELECT stream_id AS id FROM events GROUP BY stream_id HAVING COUNT(*) >= 3 ORDER BY stream_id LIMIT 2')
      .all() as { id: string }[];
    const [edited, cut] = streams.map((row) => row.id);
    // Someone edits a recorded event behind the store's back, and someone deletes one.
    store.db.prepare("UPDATE events SET data = json_set(data, '$.tampered', 1) WHERE stream_id = ? AND revision = 1").run(edited);
    store.db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(cut);
    await store.close();

    const run = await cli(['verify', '--all-tenants'], env);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);
    expect(run.stdout).toMatch(new RegExp(`^BROKEN ${edited} \\(tenant default\\) at revision 1, position \\d+: hash mismatch$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^BROKEN ${cut} \\(tenant default\\) at revision 2, position \\d+: revision gap$`, 'm'));
    expect(run.stderr).toMatch(/: 2 broken, [\d,]+ whole/);
  });

  it('checks a PostgreSQL log the same way', async () => {
    const schema = `verify_${Date.now()}_${process.pid}`;
    // The server's secret as a PostgreSQL deployment gives it (a seed makes none for a store it does not hold itself).
    const pgEnv = { ...env, CRM_EVENT_STORE: 'postgres', DATABASE_URL, CRM_POSTGRES_SCHEMA: schema, CRM_SERVER_SECRET: 'verify-pg' };
    const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      expect(await cli(['seed', '--events', '300'], pgEnv)).toMatchObject({ code: 0 });
      expect(await cli(['verify'], pgEnv)).toMatchObject({ code: 0, stderr: expect.stringContaining('every chain whole') });
      await admin.query(`UPDATE "${schema}".events SET type = 'Forged' WHERE position = (SELECT MAX(position) FROM "${schema}".events)`);
      const run = await cli(['verify'], pgEnv);
      expect(run).toMatchObject({
        code: 1,
        stdout: expect.stringMatching(/^BROKEN \S+ \(tenant default\) at revision \d+, position \S+: hash mismatch\n$/),
      });
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  }, 60_000);
});

/**
 * What a chain alone cannot show — a stream cut short, deleted whole, or rewritten with a freshly computed chain —
 * shown against an earlier export (`verify --against`). Before, `verify` said "every chain whole" for all three.
 */
describe('crm-cli verify --against an earlier export (real SQLite data directory)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-verify-against-'));
  const env = { CRM_DATA_DIR: dataDir };
  // Beside the data directory, not in it: export refuses a file there (it could be the log it reads).
  const exported = `${dataDir}-earlier.ndjson`;

  beforeAll(async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 600, seed: 5 });
    await store.close();
  }, 60_000);
  afterAll(() => [dataDir, exported].forEach((path) => rmSync(path, { recursive: true, force: true })));

  it('finds an untouched log as exported, also after it grew, and refuses a file that is no export (exit 2)', async () => {
    // Another tenant's stream in the export: a key made for tenant acme.
    expect(await cli(['api-keys', 'create', '--name', 'desk', '--role', 'service', '--tenant', 'acme'], env)).toMatchObject({ code: 0 });
    expect(await cli(['export', 'events', '--all-tenants', '--out', exported], env)).toMatchObject({ code: 0 });
    // The log grows after the export: still as exported.
    expect(await cli(['api-keys', 'create', '--name', 'later', '--role', 'sales'], env)).toMatchObject({ code: 0 });
    const same = await cli(['verify', '--all-tenants', '--against', exported], env);
    expect(same).toMatchObject({ code: 0, stdout: '' });
    expect(same.stderr).toMatch(/every chain whole; against \S+: [\d,]+ streams compared, all as exported/);
    // Only the tenant verified is compared; the export's streams of other tenants are said to be left out.
    const one = await cli(['verify', '--tenant', 'default', '--against', exported], env);
    expect(one).toMatchObject({ code: 0, stderr: expect.stringContaining('note: 1 stream of other tenants in') });

    const junk = join(dataDir, 'junk.ndjson');
    writeFileSync(junk, `${readFileSync(exported, 'utf8').split('\n')[0]}\n{"streamId":"lead-1","revision":"0"}\n`);
    const refused = await cli(['verify', '--against', junk], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('line 2 is not an export envelope');
    expect(await cli(['verify', '--against', join(dataDir, 'none.ndjson')], env)).toMatchObject({ code: 2 });
    // A directory opens, and failed only when read: a raw EISDIR, exit 1.
    expect(await cli(['verify', '--against', tmpdir()], env)).toMatchObject({
      code: 2,
      stderr: `crm-cli verify: --against ${tmpdir()}: a directory, not an export file\nRun 'crm-cli verify --help' for usage.\n`,
    });
  });

  it('names a stream cut short, one deleted whole and one rewritten with a new chain, which the chains alone cannot show (exit 1)', async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const [cut, gone, rewritten] = (
      store.db.prepare('SELECT stream_id AS id FROM events GROUP BY stream_id HAVING COUNT(*) >= 2 ORDER BY stream_id LIMIT 3').all() as {
        id: string;
      }[]
    ).map((row) => row.id);
    const last = (id: string | undefined) =>
      store.db
        .prepare('SELECT position, revision, type, data, metadata FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1')
        .get(id) as { position: number; revision: number; type: string; data: string; metadata: string };
    const cutFrom = last(cut).revision;
    store.db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = ?').run(cut, cutFrom);
    store.db.prepare('DELETE FROM events WHERE stream_id = ?').run(gone);
    // A forger who knows the hashing rewrites an event's data and computes its chain link afresh.
    const row = last(rewritten);
    const metadata = JSON.parse(row.metadata) as { prevHash: string; hash: string; tenantId: string };
    const data = { ...(JSON.parse(row.data) as object), forged: true };
    metadata.hash = chainHash(
      metadata.prevHash,
      row.revision,
      contentHash({ streamId: rewritten as string, type: row.type, data, metadata: metadata as never }),
    );
    store.db
      .prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?')
      .run(JSON.stringify(data), JSON.stringify(metadata), row.position);
    await store.close();

    // The chains alone: all whole.
    expect(await cli(['verify', '--all-tenants'], env)).toMatchObject({ code: 0, stdout: '' });

    const run = await cli(['verify', '--all-tenants', '--against', exported], env);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').sort()).toEqual(
      [
        `CHANGED ${rewritten} (tenant default) at revision ${row.revision}: its hash is not the one in ${exported}`,
        `CUT SHORT ${cut} (tenant default): ${exported} has it up to revision ${cutFrom}, the log ends at revision ${cutFrom - 1}`,
        expect.stringMatching(
          new RegExp(`^MISSING ${gone} \\(tenant default\\): \\S+ has it up to revision \\d+, the log has none of it$`),
        ),
      ].sort(),
    );
    expect(run.stderr).toMatch(/every chain whole; against \S+: [\d,]+ streams compared, 3 not as exported/);

    // An export file altered by hand names a stream with a terminal escape and a bidi override: shown by their codes.
    const crafted = `${dataDir}-crafted.ndjson`;
    const envelope = {
      streamId: 'deal-x\u001b[2J\u202eevil',
      revision: 0,
      type: 'X',
      data: {},
      metadata: { tenantId: 'default', hash: 'h' },
    };
    writeFileSync(crafted, `${JSON.stringify(envelope)}\n`);
    const shown = await cli(['verify', '--against', crafted], env);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain('MISSING deal-x\\u001b[2J\\u202eevil (tenant default)');
    expect([...shown.stdout].filter((ch) => ch === '\u001b' || ch === '\u202e')).toEqual([]);
    rmSync(crafted, { force: true });
  });
});

/**
 * The keys of sealed personal fields: a record whose key is gone reads as "[erased]" everywhere, as an erasure's do;
 * before, a key row blanked, deleted or replaced behind the store's back was told by nothing (an outside audit).
 */
describe('crm-cli verify: the keys of sealed records (real SQLite data directory)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-verify-keys-'));
  const env = { CRM_DATA_DIR: dataDir };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names each record whose key is missing, destroyed without a recorded erasure, or does not open (exit 1)', async () => {
    expect(await cli(['seed', '--events', '1500', '--seed', '3'], env)).toMatchObject({ code: 0 });
    const clean = await cli(['verify'], env);
    expect(clean).toMatchObject({ code: 0, stdout: '' });
    expect(clean.stderr).toMatch(/every chain whole; keys of [\d,]+ sealed records: each there or erased/);

    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const subjects = store.db
      .prepare(
        "SELECT subject_ref AS ref, wrapped FROM personal_data_keys WHERE subject_ref LIKE 'complaint-%' ORDER BY subject_ref LIMIT 5",
      )
      .all() as { ref: string; wrapped: Buffer }[];
    const [blanked, deleted, replaced, donor, erased] = subjects as [(typeof subjects)[number], ...(typeof subjects)[number][]];
    const setKey = store.db.prepare("UPDATE personal_data_keys SET wrapped = ? WHERE tenant_id = 'default' AND subject_ref = ?");
    setKey.run(Buffer.alloc(0), blanked.ref);
    store.db.prepare("DELETE FROM personal_data_keys WHERE tenant_id = 'default' AND subject_ref = ?").run(deleted?.ref);
    setKey.run(donor?.wrapped, replaced?.ref);
    // A lawful erasure: its key destroyed, and the erasure recorded in the log naming the record.
    setKey.run(Buffer.alloc(0), erased?.ref);
    await store.appendToStream(`data-subject-${randomUUID()}`, [
      anEvent('DataSubjectErased', {
        subject: { type: 'complaint', id: erased?.ref.slice('complaint-'.length) },
        reason: 'درخواست حذف',
        records: [erased?.ref],
        erasedAt: new Date().toISOString(),
      }),
    ]);
    await store.close();

    const run = await cli(['verify'], env);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').sort()).toEqual(
      [
        `KEY DESTROYED ${blanked.ref} (tenant default): its key was destroyed, but no erasure of it is recorded in the log`,
        `KEY MISSING ${deleted?.ref} (tenant default): its sealed fields have no key, and no erasure of it is recorded`,
        `KEY DOES NOT OPEN ${replaced?.ref} (tenant default): its key does not unwrap with this key-encryption key (a key row replaced, or another CRM_KEK)`,
      ].sort(),
    );
    expect(run.stderr).toMatch(/every chain whole; keys of [\d,]+ sealed records: 3 not readable \(1 erased\)/);
  });
});

describe('SealedRecords (the key check of crm-cli verify)', () => {
  const sealedValue = (subjectRef: string) => `${SEALED_PREFIX}${subjectRef}:AAAA`;
  // The layer's own walk of an event's sealed fields, with the contexts' declared fields.
  const layer = new PersonalDataEventStore(new InMemoryEventStore(), {} as DataKeys, ALL_PERSONAL_FIELDS);
  const subjectsOf = (event: RecordedEvent, found: (subjectRef: string) => void) => layer.sealedSubjectsOf(event, found);
  const event = (streamId: string, type: string, data: Record<string, unknown>) =>
    ({ ...anEvent(type, data), streamId, revision: 0, position: '1' }) as unknown as RecordedEvent;

  it('takes a key destroyed by an erasure recorded after the log was read for erased, not for a problem', async () => {
    const records = new SealedRecords(subjectsOf);
    records.see(event('complaint-a', 'ComplaintReceived', { description: sealedValue('complaint-a') }));
    records.see(event('complaint-b', 'ComplaintReceived', { description: sealedValue('complaint-b') }));
    const keys = { keyState: async () => 'erased' } as unknown as DataKeys;
    const erasure = event('data-subject-1', 'DataSubjectErasureListed', { records: ['complaint-a'] });
    const problems: string[] = [];
    const result = await records.check(
      keys,
      async () => [erasure],
      (found) => problems.push(found.subjectRef),
    );
    expect(result).toEqual({ problems: 1, erased: 1 });
    expect(problems).toEqual(['complaint-b']);
  });

  it('throws a failure of the key store rather than blaming the key', async () => {
    const records = new SealedRecords(subjectsOf);
    records.see(event('complaint-a', 'ComplaintReceived', { description: sealedValue('complaint-a') }));
    const keys = {
      keyState: async () => {
        throw new Error('SQLITE_BUSY: database is locked');
      },
    } as unknown as DataKeys;
    await expect(
      records.check(
        keys,
        async () => [],
        () => undefined,
      ),
    ).rejects.toThrow('SQLITE_BUSY');
  });
});
