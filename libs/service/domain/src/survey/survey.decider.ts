import { assertNever, DomainError, type Decider } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { normalizeParty } from '../shared/party';
import { assertGivenBy, instantOf } from '../shared/time';
import type { SurveyType } from './survey.answers';
import type { RecordSurveyResponse, SurveyCommand } from './survey.commands';
import type { SurveyEvent } from './survey.events';
import { checkedAnswers } from './survey.validation';
import { SURVEY_REFUSALS } from './survey.refusals';

/** A response is a fact that is recorded once and never edited: a second survey is a second response. */
export type SurveyResponseState =
  { readonly status: 'none' } | { readonly status: 'recorded'; readonly responseId: string; readonly surveyType: SurveyType };

export const initialSurveyResponseState = (): SurveyResponseState => ({ status: 'none' });

function record({ data }: RecordSurveyResponse, state: SurveyResponseState): SurveyEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(SURVEY_REFUSALS.ALREADY_RECORDED, `Survey response ${data.responseId} was already recorded`);
  }
  instantOf(data.respondedAt, 'respondedAt');
  assertGivenBy('respondedAt', data.respondedAt, data.recordedAt, SURVEY_REFUSALS.TIME_IN_FUTURE);
  const typed = checkedAnswers(data.surveyType, data.answers);
  return [
    {
      type: 'SurveyResponseRecorded',
      data: {
        responseId: data.responseId,
        ...typed,
        respondent: normalizeParty(data.respondent, 'respondent', SURVEY_REFUSALS.NAME_REQUIRED),
        respondedAt: data.respondedAt,
        ...(data.channel === undefined ? {} : { channel: data.channel }),
        ...(data.campaignId === undefined ? {} : { campaignId: data.campaignId }),
        ...(data.relatedTo === undefined ? {} : { relatedTo: data.relatedTo }),
        ...(data.comment === undefined ? {} : { comment: data.comment }),
      },
    },
  ];
}

export function decideSurveyResponse(command: SurveyCommand, state: SurveyResponseState): SurveyEvent[] {
  switch (command.type) {
    case 'RecordSurveyResponse':
      return record(command, state);
    default:
      // A one-member union does not narrow to never, its discriminant does.
      return assertNever(command.type, 'survey command');
  }
}

export function evolveSurveyResponse(state: SurveyResponseState, event: SurveyEvent): SurveyResponseState {
  switch (event.type) {
    case 'SurveyResponseRecorded':
      return { status: 'recorded', responseId: event.data.responseId, surveyType: event.data.surveyType };
    default:
      return assertNever(event.type, 'survey event');
  }
}

export const surveyResponseDecider: Decider<SurveyResponseState, SurveyCommand, SurveyEvent> = {
  initialState: initialSurveyResponseState,
  decide: decideSurveyResponse,
  evolve: evolveSurveyResponse,
  isNew: (command) => command.type === 'RecordSurveyResponse',
  existence: { notFound: NOT_FOUND['survey-response'], alreadyExists: SURVEY_REFUSALS.ALREADY_RECORDED },
  refusals: SURVEY_REFUSALS,
};
