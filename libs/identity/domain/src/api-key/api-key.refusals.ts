import { refusals } from '@crm/shared/kernel';

export const API_KEY_REFUSALS = refusals('API_KEY', {
  NOT_FOUND: [404, 'No API key has this id in the caller’s tenant'],
  ALREADY_EXISTS: [409, 'A key with this id already exists'],
  SHOWN_ONCE: [409, 'This request already created a key, shown in its reply only; revoke it if that reply was lost'],
  NAME_REQUIRED: [400, 'The name is blank once spacing marks are removed'],
  REASON_REQUIRED: [400, 'The reason is blank once spacing marks are removed'],
  ROLES_REQUIRED: [400, 'A key needs at least one role'],
  UNKNOWN_ROLE: [400, 'A role is not one of sales, marketing, service, analyst, auditor, ops, admin'],
  INVALID_TENANT: [400, 'A tenant id is lower-case letters, digits and dashes'],
  BOOTSTRAP_NOT_ADMIN: [400, 'The bootstrap key is an admin key'],
  INVALID_HASH: [409, 'A key is recorded only as its keyed hash'],
});
