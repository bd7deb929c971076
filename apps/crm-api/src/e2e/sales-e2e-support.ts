import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { http, type HttpReply, type TestApp } from '../testing/test-app';

/** Calls into a running test app, shaped for the sales specs. */
export function salesClient(server: () => TestApp) {
  const post = (path: string, body: unknown = {}, headers?: Record<string, string>): Promise<HttpReply> =>
    http(server().url, 'POST', `/api/v1${path}`, body, headers);
  const events = async (streamId: string): Promise<RecordedEvent[]> => {
    const reply = await http<{ events: RecordedEvent[] }>(server().url, 'GET', `/api/v1/streams/${streamId}`);
    return reply.status === 404 ? [] : reply.body.events;
  };
  const head = async (): Promise<string | null> =>
    (await http<{ eventStore: { headPosition: string | null } }>(server().url, 'GET', '/health')).body.eventStore.headPosition;
  const fields = (reply: HttpReply): string[] =>
    ((reply.body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();
  return { post, events, head, fields };
}

/** A calendar date `days` from today, for close dates and quote validity. */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
