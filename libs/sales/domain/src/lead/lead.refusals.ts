import { refusals } from '@crm/shared/kernel';

export const LEAD_REFUSALS = refusals('LEAD', {
  ALREADY_EXISTS: [409, 'A lead with this id was already captured'],
  CLOSED: [409, 'The lead is qualified or disqualified; it takes no more changes'],
  ALREADY_QUALIFIED: [409, 'The lead was already qualified; details name its opportunity'],
  DUPLICATE: [409, 'An open lead has the same normalised email or phone (details.existingLeadId); send allowDuplicate to keep both'],
  CAPTURE_IN_PROGRESS: [409, 'Another capture or update with the same email or phone has not finished; retry shortly'],
  NAME_REQUIRED: [400, 'The name is blank once spacing marks are removed'],
  CONTACT_POINT_REQUIRED: [400, 'A lead needs an email or a phone number'],
  INVALID_ESTIMATE: [400, 'The estimated value is negative'],
  NOTHING_TO_UPDATE: [400, 'Give at least one of fullName, company, email, phone, interest'],
});
