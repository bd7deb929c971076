import { deciderSpec } from '@crm/shared/testing';
import type { ServqualAnswers, SurveyAnswers, SurveyType } from './survey.answers';
import type { RecordSurveyResponse } from './survey.commands';
import { surveyResponseDecider } from './survey.decider';
import type { SurveyResponseRecorded } from './survey.events';

const spec = deciderSpec(surveyResponseDecider);
const RESPONSE_ID = '9a4e2b17-6c3d-4b8f-a1e5-2f7c0d9b3e58';
const AT = '2025-03-10T18:20:00+03:30';

function command(surveyType: SurveyType, answers: unknown, extra: Partial<RecordSurveyResponse['data']> = {}): RecordSurveyResponse {
  // Answers arrive from outside as JSON; the decider must cope with any shape.
  return {
    type: 'RecordSurveyResponse',
    data: {
      responseId: RESPONSE_ID,
      surveyType,
      respondent: { contactId: 'c-3' },
      answers: answers as SurveyAnswers,
      respondedAt: AT,
      recordedAt: AT,
      ...extra,
    },
  };
}

const servqual: ServqualAnswers = {
  expectations: { tangibles: 5, reliability: 7, responsiveness: 6, assurance: 6, empathy: 5 },
  perceptions: { tangibles: 6, reliability: 4, responsiveness: 5, assurance: 6, empathy: 3 },
};

describe('RecordSurveyResponse', () => {
  it.each<[SurveyType, number]>([
    ['csat', 1],
    ['csat', 5],
    ['nps', 0],
    ['nps', 10],
    ['ces', 1],
    ['ces', 7],
  ])('records a %s score of %i (scale end)', (surveyType, score) => {
    spec
      .given([])
      .when(command(surveyType, { score }))
      .then([
        {
          type: 'SurveyResponseRecorded',
          data: { responseId: RESPONSE_ID, surveyType, answers: { score }, respondent: { contactId: 'c-3' }, respondedAt: AT },
        } as SurveyResponseRecorded,
      ]);
  });

  it('records a SERVQUAL response with campaign, context and the respondent’s comment', () => {
    const extra = {
      campaignId: 'camp-nowruz-1404',
      relatedTo: { type: 'campaign', id: 'camp-nowruz-1404' },
      channel: 'web',
      comment: 'زمان پاسخگویی طولانی بود',
    } as const;
    spec
      .given([])
      .when(command('servqual', servqual, { ...extra, respondent: { name: 'رضا کریمی', email: 'Reza@Example.ir' } }))
      .then([
        {
          type: 'SurveyResponseRecorded',
          data: {
            responseId: RESPONSE_ID,
            surveyType: 'servqual',
            answers: servqual,
            respondent: { name: 'رضا کریمی', email: 'reza@example.ir' },
            respondedAt: AT,
            ...extra,
          },
        },
      ]);
  });

  it('keeps only the checked answers', () => {
    const [event] = surveyResponseDecider.decide(command('nps', { score: 9 }), surveyResponseDecider.initialState());
    expect(event?.data.answers).toEqual({ score: 9 });
  });

  it('creates the stream', () => {
    expect(surveyResponseDecider.isNew?.(command('nps', { score: 9 }))).toBe(true);
  });

  it.each<[SurveyType, unknown, string[]]>([
    ['csat', { score: 0 }, ['answers.score']],
    ['csat', { score: 6 }, ['answers.score']],
    ['csat', { score: 4.5 }, ['answers.score']],
    ['nps', { score: -1 }, ['answers.score']],
    ['nps', { score: 11 }, ['answers.score']],
    ['ces', { score: 0 }, ['answers.score']],
    ['ces', { score: 8 }, ['answers.score']],
    ['ces', { score: Number.NaN }, ['answers.score']],
  ])('refuses %s %j (SURVEY.SCORE_OUT_OF_RANGE)', (surveyType, answers, fields) => {
    spec.given([]).when(command(surveyType, answers)).thenThrows('SURVEY.SCORE_OUT_OF_RANGE', { surveyType, fields });
  });

  it('names every SERVQUAL score off the 1–7 scale', () => {
    const answers = {
      expectations: { ...servqual.expectations, tangibles: 0 },
      perceptions: { ...servqual.perceptions, reliability: 8, empathy: 2.5 },
    };
    spec
      .given([])
      .when(command('servqual', answers))
      .thenThrows('SURVEY.SCORE_OUT_OF_RANGE', {
        fields: ['answers.expectations.tangibles', 'answers.perceptions.reliability', 'answers.perceptions.empathy'],
        min: 1,
        max: 7,
      });
  });

  it.each<[SurveyType, unknown, string[]]>([
    ['nps', servqual, ['answers.expectations', 'answers.perceptions', 'answers.score']],
    ['csat', { score: '5' }, ['answers.score']],
    ['ces', {}, ['answers.score']],
    ['csat', null, ['answers']],
    ['nps', [9], ['answers']],
    ['servqual', { score: 5 }, ['answers.score', 'answers.expectations', 'answers.perceptions']],
  ])('refuses %s answers %j that do not fit the type (SURVEY.ANSWERS_MISMATCH)', (surveyType, answers, fields) => {
    spec.given([]).when(command(surveyType, answers)).thenThrows('SURVEY.ANSWERS_MISMATCH', { surveyType, fields });
  });

  it('names every missing, extra or non-numeric SERVQUAL dimension', () => {
    const { empathy: _missing, ...perceptions } = servqual.perceptions;
    const answers = { expectations: { ...servqual.expectations, price: 4, assurance: 'خوب' }, perceptions };
    spec
      .given([])
      .when(command('servqual', answers))
      .thenThrows('SURVEY.ANSWERS_MISMATCH', {
        fields: ['answers.expectations.price', 'answers.expectations.assurance', 'answers.perceptions.empathy'],
      });
  });

  it('refuses an unregistered respondent without a name', () => {
    spec
      .given([])
      .when(command('csat', { score: 5 }, { respondent: { name: '' } }))
      .thenThrows('SURVEY.NAME_REQUIRED', { fields: ['respondent.name'] });
  });

  it('refuses a second response on the same stream', () => {
    const [recorded] = surveyResponseDecider.decide(command('csat', { score: 4 }), surveyResponseDecider.initialState());
    spec
      .given(recorded ? [recorded] : [])
      .when(command('csat', { score: 5 }))
      .thenThrows('SURVEY.ALREADY_RECORDED');
  });

  it('refuses a response time without offset', () => {
    expect(() =>
      surveyResponseDecider.decide(command('csat', { score: 4 }, { respondedAt: '2025-03-10' }), surveyResponseDecider.initialState()),
    ).toThrow(expect.objectContaining({ code: 'TIME.INVALID' }));
  });

  it('dates the answers when they were given (entered later), never after they are recorded beyond the clock skew', () => {
    const decided = (recordedAt: string) =>
      surveyResponseDecider.decide(command('nps', { score: 9 }, { recordedAt }), surveyResponseDecider.initialState());
    expect(decided('2025-03-17T18:20:00+03:30')[0]?.data.respondedAt).toBe(AT);
    // Five minutes of clock skew: a minute early is the clock, six is a time that has not come.
    expect(decided('2025-03-10T18:19:00+03:30')[0]?.data.respondedAt).toBe(AT);
    spec
      .given([])
      .when(command('nps', { score: 9 }, { recordedAt: '2025-03-10T18:14:00+03:30' }))
      .thenThrows('SURVEY.TIME_IN_FUTURE', { fields: ['respondedAt'] });
  });
});
