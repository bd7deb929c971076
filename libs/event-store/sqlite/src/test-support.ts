import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { EventStore } from '@crm/shared/event-sourcing';
import { openSqliteEventStore, SqliteEventStore, type OpenSqliteEventStoreOptions } from './sqlite-event-store';

/** Test helpers for this adapter's specs: real files in throw-away directories, real second processes. */

const DIR_PREFIX = 'crm-sqlite-es-';

export async function storeInFreshDir(options: Omit<OpenSqliteEventStoreOptions, 'file'> = {}): Promise<SqliteEventStore> {
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  return openSqliteEventStore({ file: join(dir, 'events.db'), ...options });
}

export function asSqlite(store: EventStore): SqliteEventStore {
  if (!(store instanceof SqliteEventStore)) throw new Error('expected a SqliteEventStore');
  return store;
}

/** Closes the store and removes its directory (WAL and shm files included). */
export async function disposeStore(store: EventStore): Promise<void> {
  const dir = dirname(asSqlite(store).db.name);
  await store.close();
  // Only ever delete a directory storeInFreshDir made.
  if (dirname(dir) !== tmpdir() || !basename(dir).startsWith(DIR_PREFIX)) throw new Error(`refusing to delete ${dir}`);
  await rm(dir, { recursive: true, force: true });
}

const repoRoot = resolve(__dirname, '../../../..');

/**
 * Appends `count` single-event commands to `streamId` from a separate Node
 * process through this adapter, one transaction each: a genuine second writer
 * contending for the file's write lock. It pauses between commands like a
 * server between requests; without pauses SQLite's busy handler (sleep and
 * retry, no queue) lets a tight writer loop keep the lock for its whole run.
 */
export function appendFromAnotherProcess(file: string, streamId: string, count: number, pauseMs = 2): Promise<void> {
  const script = `
    const { randomUUID } = require('node:crypto');
    const { openSqliteEventStore } = require(${JSON.stringify(join(__dirname, 'index.ts'))});
    const [file, streamId, count, pauseMs] = process.argv.slice(1);
    const store = openSqliteEventStore({ file });
    const event = (i) => {
      const commandId = randomUUID();
      return { type: 'FromChild', data: { i }, metadata: { eventId: randomUUID(), commandId, correlationId: commandId,
        causationId: commandId, actor: { id: 'child', roles: [] }, tenantId: 'default', occurredAt: new Date().toISOString(), schemaVersion: 1 } };
    };
    (async () => {
      for (let i = 0; i < Number(count); i += 1) {
        await store.appendToStream(streamId, [event(i)]);
        await new Promise((resolve) => setTimeout(resolve, Number(pauseMs)));
      }
      await store.close();
    })().catch((error) => { console.error(error); process.exit(1); });
  `;
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', '-e', script, file, streamId, String(count), String(pauseMs)],
      { cwd: repoRoot },
      (error, _stdout, stderr) => (error ? fail(new Error(`child writer failed: ${stderr || error.message}`)) : done()),
    );
  });
}
