import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { HttpReply, TestApp } from '../testing/test-app';
import { salesClient } from './sales-e2e-support';

/** Calls into a running test app for the marketing specs: the sales client plus records to put on lists. */
export function marketingClient(server: () => TestApp) {
  const sales = salesClient(server);
  let phones = 0;
  const idOf = (reply: HttpReply): string => {
    if (reply.status !== 201) throw new Error(`expected 201, got ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body['id'] as string;
  };
  const account = async (name: string, industry = 'فولاد') => idOf(await sales.post('/accounts', { name, industry }));
  const contact = async (fullName: string) => idOf(await sales.post('/contacts', { fullName }));
  // Each lead gets its own phone: the sales context refuses a second open lead with the same one.
  const lead = async (fullName: string, company: string) => {
    phones += 1;
    return idOf(await sales.post('/leads', { fullName, company, source: 'event', phone: `0912${String(7_000_000 + phones)}` }));
  };
  const types = async (streamId: string): Promise<string[]> => (await sales.events(streamId)).map((event: RecordedEvent) => event.type);
  return { ...sales, idOf, account, contact, lead, types };
}
