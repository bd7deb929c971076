import type { ComplaintHandlingSatisfactionRecorded, FeedbackSubmitted, SurveyResponseRecorded } from '@crm/service/domain';
import { projectionSpec, type GivenEvent } from '@crm/shared/testing';
import { satisfactionResponsesProjection } from './satisfaction-responses.projection';

type Given = GivenEvent<SurveyResponseRecorded | FeedbackSubmitted | ComplaintHandlingSatisfactionRecorded>;

const respondent = { name: 'سارا رحیمی' };
/** When projectionSpec's events were recorded (their `occurredAt`), whatever day their answers say they were given. */
const RECORDED = '2026-01-01T08:30:00.000Z';
const expectations = { tangibles: 6, reliability: 7, responsiveness: 5, assurance: 6, empathy: 7 };
const perceptions = { ...expectations, empathy: 4 };

const events: Given[] = [
  {
    type: 'SurveyResponseRecorded',
    streamId: 'survey-response-s1',
    data: {
      responseId: 's1',
      surveyType: 'nps',
      answers: { score: 9 },
      respondent,
      respondedAt: '2025-03-20T22:00:00.000Z',
      campaignId: 'k-1',
    },
  },
  {
    type: 'SurveyResponseRecorded',
    streamId: 'survey-response-s2',
    // Written with Tehran's offset: the stored time is UTC's, its periods are those of its business day (Tehran's).
    data: {
      responseId: 's2',
      surveyType: 'servqual',
      answers: { expectations, perceptions },
      respondent,
      respondedAt: '2025-03-21T03:00:00+03:30',
      channel: 'web',
    },
  },
  {
    type: 'FeedbackSubmitted',
    streamId: 'feedback-f1',
    data: {
      feedbackId: 'f1',
      from: respondent,
      kind: 'praise',
      text: 'عالی بود',
      channel: 'sms',
      submittedAt: '2025-04-02T10:00:00.000Z',
      status: 'submitted',
    },
  },
  {
    type: 'ComplaintHandlingSatisfactionRecorded',
    streamId: 'complaint-c1',
    data: {
      complaintId: 'c1',
      from: 'closed',
      to: 'closed',
      escalationLevel: 'local',
      deadlines: { acknowledgeBy: '2025-04-01T00:00:00.000Z', resolveBy: '2025-04-07T00:00:00.000Z' },
      score: 4,
      outcome: 'resolved',
      recordedAt: '2025-04-03T09:00:00.000Z',
    },
  },
];

describe('satisfaction-responses projection', () => {
  it('keeps one document per answer with its Gregorian and Jalali month', () => {
    projectionSpec(satisfactionResponsesProjection)
      .given(events)
      .thenDocuments({
        'default:survey:s1': {
          tenantId: 'default',
          measure: 'nps',
          sourceId: 's1',
          at: '2025-03-20T22:00:00.000Z',
          month: '2025-03',
          // 01:30 on 21 March 2025 in Tehran: 1 Farvardin 1404 (20 March, the UTC day, is 30 Esfand of the leap year 1403).
          jalaliMonth: '1404-01',
          recordedAt: RECORDED,
          score: 9,
          campaignId: 'k-1',
        },
        'default:survey:s2': {
          tenantId: 'default',
          measure: 'servqual',
          sourceId: 's2',
          at: '2025-03-20T23:30:00.000Z',
          month: '2025-03',
          // 03:00 on 21 March in Tehran.
          jalaliMonth: '1404-01',
          recordedAt: RECORDED,
          expectations,
          perceptions,
          channel: 'web',
        },
        'default:feedback:f1': {
          tenantId: 'default',
          measure: 'praise',
          sourceId: 'f1',
          at: '2025-04-02T10:00:00.000Z',
          month: '2025-04',
          jalaliMonth: '1404-01',
          recordedAt: RECORDED,
          channel: 'sms',
        },
        // Keyed by revision: a reopened and re-closed complaint may be scored again.
        'default:handling:c1:0': {
          tenantId: 'default',
          measure: 'handling',
          sourceId: 'c1',
          at: '2025-04-03T09:00:00.000Z',
          month: '2025-04',
          jalaliMonth: '1404-01',
          recordedAt: RECORDED,
          score: 4,
        },
      });
  });

  it('counts a handling score given by phone before it was noted in the month it was given', () => {
    const handling = events[3] as Given & ComplaintHandlingSatisfactionRecorded;
    // Given at 23:00 Tehran time on the last day of Esfand 1403 (20 March 2025), noted in Farvardin 1404.
    // Recorded (typed in) on 2 April at 11:30 Tehran time: `recordedAt` says so, in UTC.
    const given = {
      ...handling,
      data: { ...handling.data, respondedAt: '2025-03-20T19:30:00.000Z' },
      metadata: { occurredAt: '2025-04-02T11:30:00+03:30' },
    };
    projectionSpec(satisfactionResponsesProjection).given([given]).thenDocument('default:handling:c1:0', {
      tenantId: 'default',
      measure: 'handling',
      sourceId: 'c1',
      at: '2025-03-20T19:30:00.000Z',
      month: '2025-03',
      jalaliMonth: '1403-12',
      recordedAt: '2025-04-02T08:00:00.000Z',
      score: 4,
    });
  });

  it('keeps documents of different tenants apart', () => {
    const acme = events.slice(0, 1).map((e) => ({ ...e, metadata: { tenantId: 'acme' } }));
    projectionSpec(satisfactionResponsesProjection).given(acme).thenDocument('acme:survey:s1', {
      tenantId: 'acme',
      measure: 'nps',
      sourceId: 's1',
      at: '2025-03-20T22:00:00.000Z',
      month: '2025-03',
      jalaliMonth: '1404-01',
      recordedAt: RECORDED,
      score: 9,
      campaignId: 'k-1',
    });
  });

  describe('puts an answer in the months of its business day (Asia/Tehran), not of its UTC day', () => {
    const nps = (responseId: string, respondedAt: string): Given => ({
      type: 'SurveyResponseRecorded',
      streamId: `survey-response-${responseId}`,
      data: { responseId, surveyType: 'nps', answers: { score: 10 }, respondent, respondedAt },
    });
    it.each([
      // 00:30 on 1 February in Tehran (+03:30): February, and Bahman 1403 (1 February is 12 Bahman).
      ['2025-01-31T21:00:00.000Z', '2025-02', '1403-11'],
      // 23:59:59.999 on 31 January in Tehran: still January.
      ['2025-01-31T20:29:59.999Z', '2025-01', '1403-11'],
      // 00:30 on 19 February in Tehran, 1 Esfand 1403 (the UTC day, 18 February, is 30 Bahman).
      ['2025-02-18T21:00:00.000Z', '2025-02', '1403-12'],
      // Summer 2021, when Tehran kept daylight time (+04:30): 00:15 on 1 August (10 Mordad 1400).
      ['2021-07-31T19:45:00.000Z', '2021-08', '1400-05'],
      // 00:15 on 23 July 2021 in Tehran, 1 Mordad 1400 (the UTC day, 22 July, is 31 Tir).
      ['2021-07-22T19:45:00.000Z', '2021-07', '1400-05'],
    ])('an answer at %s is in %s and Jalali %s', (respondedAt, month, jalaliMonth) => {
      projectionSpec(satisfactionResponsesProjection)
        .given([nps('t1', respondedAt)])
        .thenDocument('default:survey:t1', {
          tenantId: 'default',
          measure: 'nps',
          sourceId: 't1',
          at: respondedAt,
          month,
          jalaliMonth,
          recordedAt: RECORDED,
          score: 10,
        });
    });
  });
});
