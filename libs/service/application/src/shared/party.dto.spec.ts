import { refusedFields, toAssignee } from '@crm/shared/http';
import { ReceiveComplaintRequestDto } from '../complaint/receive-complaint/receive-complaint.request.dto';
import { AssignComplaintRequestDto } from '../complaint/assign-complaint/assign-complaint.request.dto';
import { toParty } from './party.dto';

const CONTACT = '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d';

const badFields = refusedFields;

const complaint = (complainant: unknown) => ({ complainant, channel: 'phone', category: 'کیفیت', description: 'معیوب' });

describe('party and assignee shapes at the edge', () => {
  it.each([
    [{ contactId: CONTACT }],
    [{ accountId: CONTACT }],
    [{ name: 'رضا کریمی' }],
    [{ name: 'رضا کریمی', phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹', email: 'reza@example.ir' }],
  ])('accepts the complainant %j', async (complainant) => {
    expect(await badFields(ReceiveComplaintRequestDto, complaint(complainant))).toEqual([]);
  });

  it.each([
    ['no form at all', {}, ['complainant']],
    ['two forms', { contactId: CONTACT, name: 'رضا' }, ['complainant']],
    ['a phone without a name', { accountId: CONTACT, phone: '09123456789' }, ['complainant']],
    ['a malformed contact id', { contactId: 'c-1' }, ['complainant.contactId']],
    ['a field of no form', { name: 'رضا', nickname: 'ر' }, ['complainant.nickname']],
    ['not an object', 'رضا کریمی', ['complainant']],
  ])('refuses %s, naming the field', async (_case, complainant, fields) => {
    expect(await badFields(ReceiveComplaintRequestDto, complaint(complainant))).toEqual(fields);
  });

  it('names the form that was chosen when mapping to the domain', () => {
    expect(toParty({ contactId: CONTACT })).toEqual({ contactId: CONTACT });
    expect(toParty({ name: 'رضا', phone: '0912' })).toEqual({ name: 'رضا', phone: '0912' });
    expect(toAssignee({ teamId: 'team-1' })).toEqual({ teamId: 'team-1' });
  });

  it('takes an assignee as exactly one of { userId } or { teamId }', async () => {
    expect(await badFields(AssignComplaintRequestDto, { assignee: { userId: 'user-7' } })).toEqual([]);
    expect(await badFields(AssignComplaintRequestDto, { assignee: { userId: 'user-7', teamId: 'team-1' } })).toEqual(['assignee']);
    expect(await badFields(AssignComplaintRequestDto, {})).toEqual(['assignee']);
  });
});
