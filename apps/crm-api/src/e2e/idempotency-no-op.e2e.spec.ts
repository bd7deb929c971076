import { randomUUID } from 'node:crypto';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { salesClient } from './sales-e2e-support';

/**
 * A command that changes nothing (assigning a complaint to whom it is assigned already, updating a lead with its own
 * values) is answered 200 and appends nothing to its record. Under an Idempotency-Key it is remembered all the same:
 * the same key with another request is 422, never run; the same request again gets the first reply and appends
 * nothing, whatever happened to the record since (an outside probe: both were run as new commands).
 */
describe('Idempotency-Key on a command that changes nothing (real server, embedded SQLite)', () => {
  let server: TestApp;
  const { post, events, head } = salesClient(() => server);
  const idOf = (reply: { body: Record<string, unknown> }) => reply.body['id'] as string;
  const keyed = () => {
    const key = randomUUID();
    return { key, headers: { 'idempotency-key': key } };
  };
  const complaint = async () => {
    const received = await post('/complaints', {
      // A phone of its own: the same phone is the same person, and one test here erases its complainant.
      complainant: { name: 'رضا کریمی', phone: `0912${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` },
      channel: 'phone',
      category: 'کیفیت کالا',
      description: 'کالای تحویلی معیوب بود',
    });
    expect(received.status).toBe(201);
    return idOf(received);
  };
  const assignees = async (id: string) =>
    (await events(`complaint-${id}`))
      .filter((event) => event.type === 'ComplaintAssigned')
      .map((event) => (event.data as { assignee: { userId?: string } }).assignee.userId);
  const lead = async () => {
    const captured = await post('/leads', { fullName: 'مریم احمدی', source: 'web', email: `m.${randomUUID().slice(0, 8)}@example.ir` });
    expect(captured.status).toBe(201);
    return idOf(captured);
  };
  const leadNames = async (id: string) =>
    (await events(`lead-${id}`)).map(
      (event) =>
        (event.data as { fullName?: string; changes?: { fullName?: string } }).changes?.fullName ??
        (event.data as { fullName?: string }).fullName,
    );

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('refuses the key of a complaint assignment that changed nothing when it comes back with another request (422)', async () => {
    const id = await complaint();
    expect((await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } })).status).toBe(200);
    const { headers } = keyed();
    const noOp = await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } }, headers);
    expect(noOp).toMatchObject({ status: 200, body: { id, revision: 1 } });
    const before = await head();
    const reused = await post(`/complaints/${id}/assign`, { assignee: { userId: 'u2' } }, headers);
    expect(reused.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    const otherCommand = await post(`/complaints/${id}/acknowledge`, { message: 'ثبت شد' }, headers);
    expect(otherCommand.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(await head()).toBe(before);
    expect(await assignees(id)).toEqual(['u1']);
  });

  it('answers a retried complaint assignment that changed nothing with its first reply, after another assignment, appending nothing', async () => {
    const id = await complaint();
    await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } });
    const { headers } = keyed();
    const first = await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } }, headers);
    expect(first.status).toBe(200);
    expect((await post(`/complaints/${id}/assign`, { assignee: { userId: 'u2' } })).status).toBe(200);
    const before = await head();
    const retry = await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } }, headers);
    expect(retry).toMatchObject({ status: 200, body: first.body });
    expect(await head()).toBe(before);
    // Before, the retry assigned u1 again, undoing the later assignment.
    expect(await assignees(id)).toEqual(['u1', 'u2']);
  });

  it("refuses another request under a no-op's key once the record's personal data is erased (before: the first reply, and the request dropped)", async () => {
    const id = await complaint();
    await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } });
    const before = keyed();
    expect((await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } }, before.headers)).status).toBe(200);
    const erased = await post('/data-subjects/erase', { subject: { type: 'complaint', id }, reason: 'درخواست حذف' });
    expect(erased.status).toBe(200);
    // A no-op recorded after the erasure has no fingerprint to tell requests apart either.
    const after = keyed();
    expect((await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } }, after.headers)).status).toBe(200);
    const at = await head();
    for (const { headers } of [before, after]) {
      const other = await post(`/complaints/${id}/assign`, { assignee: { userId: 'u3' } }, headers);
      expect(other.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    }
    expect(await head()).toBe(at);
    expect(await assignees(id)).toEqual(['u1']);
  });

  it('does the same for a lead update that gives the lead its own values', async () => {
    const refused = await lead();
    const a = keyed();
    const noOp = await post(`/leads/${refused}/update`, { fullName: 'مریم احمدی' }, a.headers);
    expect(noOp).toMatchObject({ status: 200, body: { id: refused, revision: 0 } });
    const before = await head();
    const reused = await post(`/leads/${refused}/update`, { fullName: 'مریم رضایی' }, a.headers);
    expect(reused.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(await head()).toBe(before);
    expect(await leadNames(refused)).toEqual(['مریم احمدی']);

    const retried = await lead();
    const b = keyed();
    const first = await post(`/leads/${retried}/update`, { fullName: 'مریم احمدی' }, b.headers);
    expect(first.status).toBe(200);
    expect((await post(`/leads/${retried}/update`, { fullName: 'مریم رضایی' })).status).toBe(200);
    const moved = await head();
    const retry = await post(`/leads/${retried}/update`, { fullName: 'مریم احمدی' }, b.headers);
    expect(retry).toMatchObject({ status: 200, body: first.body });
    expect(await head()).toBe(moved);
    expect(await leadNames(retried)).toEqual(['مریم احمدی', 'مریم رضایی']);
  });

  it("keeps the record of a no-op in the server's own stream, which GET /streams does not serve", async () => {
    const id = await complaint();
    await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } });
    const { key, headers } = keyed();
    expect((await post(`/complaints/${id}/assign`, { assignee: { userId: 'u1' } }, headers)).status).toBe(200);
    const store = server.app.get<EventStore>(EVENT_STORE);
    expect((await store.readStream(`command-${key}`, { tenantId: 'default' })).map((event) => event.data)).toEqual([
      expect.objectContaining({ streamId: `complaint-${id}`, revision: 1 }),
    ]);
    const hidden = await http(server.url, 'GET', `/api/v1/streams/command-${key}`);
    expect(hidden.body).toMatchObject({ status: 404, code: 'STREAM.NOT_FOUND' });
  });
});
