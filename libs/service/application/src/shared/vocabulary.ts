import type { CloseOutcome, FeedbackKind, RelatedType, ServiceChannel, Urgency } from '@crm/service/domain';

// The domain names these as types only; the edge needs them as values to validate and document.
// `satisfies` keeps each list honest against the domain's union.
export const SERVICE_CHANNELS = [
  'phone',
  'sms',
  'email',
  'web',
  'social',
  'in_person',
  'letter',
] as const satisfies readonly ServiceChannel[];
export const RELATED_TYPES = [
  'lead',
  'contact',
  'account',
  'opportunity',
  'quote',
  'complaint',
  'campaign',
] as const satisfies readonly RelatedType[];
export const URGENCIES = ['normal', 'urgent', 'immediate'] as const satisfies readonly Urgency[];
export const CLOSE_OUTCOMES = ['resolved', 'unresolved', 'withdrawn'] as const satisfies readonly CloseOutcome[];
export const FEEDBACK_KINDS = ['opinion', 'idea', 'praise'] as const satisfies readonly FeedbackKind[];

/** Maximum lengths of free text, generous for Persian prose but bounded so one body cannot hog the store. */
export const MAX = {
  id: 100,
  name: 200,
  phone: 40,
  email: 254,
  label: 200,
  text: 10_000,
  short: 2_000,
} as const;
