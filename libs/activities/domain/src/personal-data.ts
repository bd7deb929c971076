import type { PersonalFields, PersonReferences } from '@crm/shared/personal-data';

/** What staff wrote about a person when planning or logging contact with them; each activity and interaction has its own key. */
export const ACTIVITIES_PERSONAL_FIELDS: PersonalFields = {
  ActivityScheduled: ['subject', 'description'],
  ActivityRescheduled: ['reason'],
  ActivityCompleted: ['outcome'],
  ActivityCancelled: ['reason'],
  InteractionLogged: ['summary'],
};

/** Whom (or what record) an activity or interaction is about: nothing more is written about an erased person. */
export const ACTIVITIES_PERSON_REFERENCES: PersonReferences = {
  ActivityScheduled: ['regarding'],
  ActivityCompleted: ['regarding'],
  InteractionLogged: ['regarding'],
};
