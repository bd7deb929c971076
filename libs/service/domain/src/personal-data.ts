import type { PersonalFields, PersonReferences } from '@crm/shared/personal-data';

const party = (field: string) => [`${field}.name`, `${field}.phone`, `${field}.email`];

/**
 * The personal fields of service events: who complained, gave feedback or
 * answered a survey, and what was written by or about them. Each complaint,
 * feedback and survey response has its own key; erasing a person destroys the
 * keys of the records they made (libs/privacy).
 */
export const SERVICE_PERSONAL_FIELDS: PersonalFields = {
  ComplaintReceived: [...party('complainant'), 'description', 'desiredRemedy'],
  ComplaintAcknowledged: ['message'],
  ComplaintAssessed: ['rationale'],
  ComplaintInvestigationNoteAdded: ['note'],
  ComplaintResponded: ['response', 'remedy', 'actions[]'],
  ComplaintDecisionCommunicated: ['decision'],
  ComplaintEscalated: ['reason'],
  ComplaintClosed: ['note'],
  ComplaintReopened: ['reason'],
  ComplaintHandlingSatisfactionRecorded: ['comment'],
  FeedbackSubmitted: [...party('from'), 'text'],
  FeedbackAcknowledged: ['reply'],
  SurveyResponseRecorded: [...party('respondent'), 'comment'],
};

/**
 * Who made a complaint, feedback or survey answer, and the record it is related to (`relatedTo`: a lead, contact,
 * account, deal or complaint): once that person is erased (or being erased), none by or about them is taken.
 */
export const SERVICE_PERSON_REFERENCES: PersonReferences = {
  ComplaintReceived: ['complainant', 'relatedTo'],
  FeedbackSubmitted: ['from', 'relatedTo'],
  SurveyResponseRecorded: ['respondent', 'relatedTo'],
};
