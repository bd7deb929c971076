import { randomBytes } from 'node:crypto';
import { complaintDecider, SERVICE_PERSON_REFERENCES, SERVICE_PERSONAL_FIELDS } from '@crm/service/domain';
import { ANONYMOUS, DEFAULT_TENANT, InMemoryEventStore } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { ManualClock, newId } from '@crm/shared/kernel';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { complaintStreamId, ComplaintStreams } from './complaint-streams';
import { RespondToComplaintCommand } from './respond-to-complaint/respond-to-complaint.command';
import { RespondToComplaintHandler } from './respond-to-complaint/respond-to-complaint.handler';

const context = (): CommandContext => {
  const commandId = newId();
  return { commandId, issuedCommandId: commandId, actor: ANONYMOUS, tenantId: DEFAULT_TENANT };
};

describe('ComplaintStreams.erasedIfLeftOut: a step without its text, taken only once the complaint is erased', () => {
  const inner = new InMemoryEventStore();
  const keys = new DataKeys(new InMemoryKeyStore(), randomBytes(32));
  const store = new PersonalDataEventStore(inner, keys, SERVICE_PERSONAL_FIELDS, SERVICE_PERSON_REFERENCES);
  const complaints = new ComplaintStreams(new CommandExecutor(store, new ManualClock('2026-02-01T08:00:00.000Z'), inner), complaintDecider);
  const respond = new RespondToComplaintHandler(complaints);
  const complaintId = newId();
  const stream = complaintStreamId(complaintId);
  const head = async () => (await inner.readStream(stream, { tenantId: DEFAULT_TENANT })).length;

  beforeAll(async () => {
    await complaints.run(complaintId, context(), (at) => ({
      type: 'ReceiveComplaint',
      data: {
        complaintId,
        complainant: { name: 'رضا کریمی', phone: '09121234567' },
        channel: 'phone',
        category: 'کیفیت کالا',
        description: 'کالا معیوب بود',
        receivedAt: at,
      },
    }));
    await complaints.run(complaintId, context(), (at) => ({ type: 'AcknowledgeComplaint', data: { at } }));
    await complaints.run(complaintId, context(), (at) => ({ type: 'AssessComplaint', data: { severity: 'high', at } }));
  });

  it('refuses a text left out of a complaint not erased, at once and naming it (400), and looks nothing up when all are given', async () => {
    expect(await complaints.erasedIfLeftOut(complaintId, context(), { response: 'پاسخ' })).toEqual({});
    await expect(complaints.erasedIfLeftOut(complaintId, context(), { response: undefined })).rejects.toMatchObject({
      code: 'COMPLAINT.TEXT_REQUIRED',
      status: 400,
      details: { fields: ['response'] },
    });
    // A complaint that does not exist: left to the decider, whose 404 it is (an outside probe had the 400 first).
    expect(await complaints.erasedIfLeftOut(newId(), context(), { decision: undefined })).toEqual({});
    await expect(respond.execute(new RespondToComplaintCommand(newId(), {}, context()))).rejects.toMatchObject({
      code: 'COMPLAINT.NOT_FOUND',
    });
    const before = await head();
    await expect(respond.execute(new RespondToComplaintCommand(complaintId, {}, context()))).rejects.toMatchObject({
      code: 'COMPLAINT.TEXT_REQUIRED',
    });
    expect(await head()).toBe(before);
  });

  it('once the complaint’s key is destroyed: a text is refused (409, nothing appended), the step without it is recorded', async () => {
    await keys.destroy({ tenantId: DEFAULT_TENANT, subjectRef: stream });
    expect(await complaints.erasedIfLeftOut(complaintId, context(), { response: undefined })).toEqual({ personalDataErased: true });
    const before = await head();
    await expect(respond.execute(new RespondToComplaintCommand(complaintId, { response: 'پاسخ' }, context()))).rejects.toMatchObject({
      code: 'PERSONAL_DATA.ERASED',
    });
    expect(await head()).toBe(before);

    const reply = await respond.execute(new RespondToComplaintCommand(complaintId, {}, context()));
    expect(reply).toMatchObject({ id: complaintId, revision: before });
    const [responded] = (await inner.readStream(stream, { tenantId: DEFAULT_TENANT })).slice(-1);
    expect(responded?.type).toBe('ComplaintResponded');
    expect(Object.keys(responded?.data ?? {})).not.toContain('response');
  });

  it('never takes a text as erased without the personal-data layer (nothing to ask)', async () => {
    const plain = new InMemoryEventStore();
    const bare = new ComplaintStreams(new CommandExecutor(plain, new ManualClock('2026-02-01T08:00:00.000Z'), plain), complaintDecider);
    const id = newId();
    await bare.run(id, context(), (at) => ({
      type: 'ReceiveComplaint',
      data: { complaintId: id, complainant: { name: 'رضا' }, channel: 'phone', category: 'کیفیت', description: 'معیوب', receivedAt: at },
    }));
    await expect(bare.erasedIfLeftOut(id, context(), { reason: undefined })).rejects.toMatchObject({
      code: 'COMPLAINT.TEXT_REQUIRED',
    });
  });
});
