import { IntField } from '@crm/shared/http';
import { LAST_OCCURRENCE } from '../shared/limits';

/** Which occurrence of a series a command acts on; absent, the open one due first. */
export const OccurrenceField = (omitted: string): PropertyDecorator =>
  IntField(0, LAST_OCCURRENCE, { optional: true, example: 1, description: `0-based index of the occurrence; omitted: ${omitted}` });
