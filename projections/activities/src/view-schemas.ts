import { ACTIVITY_TYPES, REGARDING_TYPES } from '@crm/activities/domain';
import { ACTIVITY_LIST_STATUSES } from './activity-list';

/** The answers of `GET /activities` and `GET /activities/{id}` as OpenAPI schemas, next to the types they describe. */

type Schema = Record<string, unknown>;

const text: Schema = { type: 'string' };
const nullableText: Schema = { type: 'string', nullable: true };
const instant: Schema = { type: 'string', format: 'date-time', description: 'UTC' };
const nullableInstant: Schema = { ...instant, nullable: true };
const object = (properties: Record<string, Schema>): Schema => ({ type: 'object', required: Object.keys(properties), properties });

const assignee: Schema = {
  oneOf: [object({ userId: text }), object({ teamId: text })],
  description: 'A person ({ userId }) or a team ({ teamId })',
};

const recurrence: Schema = {
  type: 'object',
  nullable: true,
  required: ['frequency', 'interval'],
  properties: {
    frequency: { enum: ['daily', 'weekly', 'monthly', 'yearly'] },
    interval: { type: 'integer' },
    count: { type: 'integer' },
    until: text,
  },
  description: 'As scheduled; null for a one-off',
};

export const ACTIVITY_SCHEMA = object({
  id: { type: 'string', format: 'uuid' },
  type: { enum: [...ACTIVITY_TYPES] },
  subject: text,
  description: nullableText,
  regarding: object({ type: { enum: [...REGARDING_TYPES] }, id: text }),
  assignee,
  status: {
    enum: [...ACTIVITY_LIST_STATUSES],
    description: 'open while an occurrence is open; closed once each is completed or cancelled',
  },
  dueAt: {
    ...instant,
    description:
      'UTC: the earliest due time of an open occurrence; once closed, the latest due time of its occurrences. The list sorts on it',
  },
  durationMinutes: { type: 'integer', nullable: true },
  recurrence,
  occurrences: {
    type: 'array',
    description: 'Every occurrence by its index (one for a one-off)',
    items: object({
      index: { type: 'integer' },
      dueAt: instant,
      status: { enum: ['open', 'completed', 'cancelled'] },
      completedAt: nullableInstant,
      outcome: nullableText,
      cancelledAt: nullableInstant,
    }),
  },
  scheduledAt: instant,
  updatedAt: { ...instant, description: 'UTC: when its last change was recorded' },
});

export const ACTIVITY_PAGE_SCHEMA = object({
  items: { type: 'array', items: ACTIVITY_SCHEMA },
  limit: { type: 'integer' },
  nextCursor: {
    type: 'string',
    nullable: true,
    description: 'Pass as `cursor` (same filters) for the activities after this page; null when no full page remains to follow',
  },
});
