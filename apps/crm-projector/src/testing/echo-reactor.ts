import { join } from 'node:path';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { streamIdOf, type EventStore, type EventToAppend, type Reactor, type RecordedEvent } from '@crm/shared/event-sourcing';
import { derivedId, newId } from '@crm/shared/kernel';
import type { ReadStore } from '@crm/shared/read-model';

/**
 * A reactor whose side effect is visible: every `Pinged` event makes it send one "command",
 * appending `Ponged` to the matching pong stream with ids derived from the ping, as a process
 * manager does. A second send of the same reaction is a retry the store absorbs.
 */
export const ECHO_REACTOR = 'test.echo';

export function echoReactor(events: EventStore, onReact: (event: RecordedEvent) => void = () => undefined): Reactor {
  return {
    name: ECHO_REACTOR,
    filter: { categories: ['ping'] },
    react: async (event) => {
      onReact(event);
      const ping = event.metadata.eventId;
      const commandId = derivedId(ping, 'pong-command');
      await events.appendToStream(
        streamIdOf('pong', event.streamId.slice('ping-'.length)),
        [
          {
            type: 'Ponged',
            data: { ping },
            metadata: {
              eventId: derivedId(ping, 'pong'),
              commandId,
              correlationId: event.metadata.correlationId,
              causationId: ping,
              actor: { id: 'system:echo', roles: ['system'] },
              tenantId: event.metadata.tenantId,
              occurredAt: event.metadata.occurredAt,
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
    },
  };
}

export function aPing(): { streamId: string; event: EventToAppend } {
  const id = newId();
  return {
    streamId: streamIdOf('ping', id),
    event: {
      type: 'Pinged',
      data: {},
      metadata: {
        eventId: derivedId(id, 'ping'),
        commandId: id,
        correlationId: id,
        causationId: id,
        actor: { id: 'tester', roles: [] },
        tenantId: 'default',
        occurredAt: '2026-01-01T08:30:00.000Z',
        schemaVersion: 1,
      },
    },
  };
}

export interface EchoStores {
  readonly events: EventStore & { close(): Promise<void> };
  readonly readStore: ReadStore;
}

/** The stores a test names in its environment: ECHO_SQLITE_DIR, or ECHO_POSTGRES_URL + ECHO_POSTGRES_SCHEMA. */
export async function openEchoStores(env: NodeJS.ProcessEnv): Promise<EchoStores> {
  const dir = env['ECHO_SQLITE_DIR'];
  if (dir) {
    return {
      events: openSqliteEventStore({ file: join(dir, 'crm.sqlite'), synchronous: 'NORMAL', pollIntervalMs: 20 }),
      readStore: openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' }),
    };
  }
  const url = env['ECHO_POSTGRES_URL'] as string;
  const schema = env['ECHO_POSTGRES_SCHEMA'] as string;
  return {
    events: await PostgresEventStore.open(url, { schema, poolSize: 2, pollIntervalMs: 20 }),
    readStore: await PostgresReadStore.open(url, { schema, poolSize: 2 }),
  };
}
