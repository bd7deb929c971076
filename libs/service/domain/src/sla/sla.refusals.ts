import { refusals } from '@crm/shared/kernel';

/** A bad CRM_SLA_POLICY or per-complaint override. */
export const SLA_REFUSALS = refusals('SLA', {
  INVALID_POLICY: [400, 'The SLA policy has missing minutes, or minutes not from 1 to five years'],
});
