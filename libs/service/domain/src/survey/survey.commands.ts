import type { Command } from '@crm/shared/event-sourcing';
import type { Party, RelatedTo, ServiceChannel } from '../shared/party';
import type { SurveyAnswers, SurveyType } from './survey.answers';

/** `answers` is typed loosely on purpose: it is checked against `surveyType` in decide. */
export type RecordSurveyResponse = Command<
  'RecordSurveyResponse',
  {
    responseId: string;
    surveyType: SurveyType;
    respondent: Party;
    answers: SurveyAnswers;
    /** When the answers were given: a paper or phone survey is entered later. */
    respondedAt: string;
    /** When the response is recorded: respondedAt is never after it (beyond the clock skew). */
    recordedAt: string;
    channel?: ServiceChannel;
    campaignId?: string;
    relatedTo?: RelatedTo;
    comment?: string;
  }
>;

export type SurveyCommand = RecordSurveyResponse;
