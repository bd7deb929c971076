import type { Event } from '@crm/shared/event-sourcing';
import type { Party, RelatedTo, ServiceChannel } from '../shared/party';
import type { TypedAnswers } from './survey.answers';

export type SurveyResponseRecorded = Event<
  'SurveyResponseRecorded',
  TypedAnswers & {
    responseId: string;
    respondent: Party;
    respondedAt: string;
    channel?: ServiceChannel;
    campaignId?: string;
    relatedTo?: RelatedTo;
    comment?: string;
  }
>;

export type SurveyEvent = SurveyResponseRecorded;
