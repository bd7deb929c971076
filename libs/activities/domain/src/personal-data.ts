import type { PersonalFields } from '@crm/shared/personal-data';

/** What staff wrote about a person when planning or logging contact with them; each activity and interaction has its own key. */
export const ACTIVITIES_PERSONAL_FIELDS: PersonalFields = {
  ActivityScheduled: ['subject', 'description'],
  ActivityRescheduled: ['reason'],
  ActivityCompleted: ['outcome'],
  ActivityCancelled: ['reason'],
  InteractionLogged: ['summary'],
};
