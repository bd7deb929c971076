import { refusals } from '@crm/shared/kernel';

export const CONTACT_REFUSALS = refusals('CONTACT', {
  ALREADY_EXISTS: [409, 'A contact with this id already exists'],
  NAME_REQUIRED: [400, 'The name is blank once spacing marks are removed'],
  NOTHING_TO_UPDATE: [400, 'Give at least one of fullName, email, phone, preferredChannel'],
});
