import { refusedFields } from '@crm/shared/http';
import { RecordSurveyResponseRequestDto } from './record-survey-response.request.dto';

const badFields = (body: unknown): Promise<string[]> => refusedFields(RecordSurveyResponseRequestDto, body);

const response = (surveyType: string, answers: unknown) => ({ surveyType, respondent: { name: 'سارا' }, answers });
const five = { tangibles: 5, reliability: 6, responsiveness: 4, assurance: 7, empathy: 1 };

describe('survey answers are checked against their survey type at the edge', () => {
  it.each([
    ['csat', { score: 1 }],
    ['csat', { score: 5 }],
    ['nps', { score: 0 }],
    ['nps', { score: 10 }],
    ['ces', { score: 7 }],
    ['servqual', { expectations: five, perceptions: five }],
  ])('accepts %s %j', async (surveyType, answers) => {
    expect(await badFields(response(surveyType, answers))).toEqual([]);
  });

  it.each([
    ['csat', { score: 6 }, ['answers.score']],
    ['csat', { score: 0 }, ['answers.score']],
    ['nps', { score: 11 }, ['answers.score']],
    ['nps', { score: -1 }, ['answers.score']],
    ['ces', { score: 8 }, ['answers.score']],
    ['ces', { score: 2.5 }, ['answers.score']],
    ['nps', { score: '9' }, ['answers.score']],
    ['nps', {}, ['answers.score']],
    ['nps', { score: 9, extra: 1 }, ['answers.extra']],
    ['nps', 9, ['answers']],
    ['nps', undefined, ['answers']],
    ['servqual', { score: 4 }, ['answers.expectations', 'answers.perceptions', 'answers.score']],
    ['servqual', { expectations: five, perceptions: { ...five, empathy: 8 } }, ['answers.perceptions.empathy']],
    ['servqual', { expectations: { ...five, tangibles: undefined }, perceptions: five }, ['answers.expectations.tangibles']],
    ['csat', { expectations: five, perceptions: five }, ['answers.expectations', 'answers.perceptions', 'answers.score']],
    ['sentiment', { score: 3 }, ['surveyType']],
  ])('refuses %s %j naming %j', async (surveyType, answers, fields) => {
    expect(await badFields(response(surveyType, answers))).toEqual(fields);
  });
});

describe('answers is an object whatever surveyType says', () => {
  it.each([
    ['nope', 'x'],
    [7, []],
    [null, null],
    ['nope', undefined],
    ['sentiment', 9],
  ])('names surveyType and answers for %j / %j', async (surveyType, answers) => {
    expect(await badFields({ surveyType, respondent: { name: 'سارا' }, answers })).toEqual(['answers', 'surveyType']);
  });
});
