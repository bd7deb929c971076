import { recordedDemoHistory } from '@crm/demo-data';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { type AnyProjection, type FieldCondition, foldEvents, InMemoryReadStore, timeRange } from '@crm/shared/read-model';
import { projectionSpec } from '@crm/shared/testing';
import { readSatisfaction, readSatisfactionByDay, splitPeriod, type SatisfactionBucket } from './satisfaction';
import { splitDaysByMonth } from './month-split';
import { satisfactionDaysProjection, type SatisfactionDayDoc } from './satisfaction-days.projection';
import { satisfactionResponsesProjection } from './satisfaction-responses.projection';

/** A seeded demo history's answers, folded by both projections into one store, as the runner would. */
async function seededStore() {
  const events = recordedDemoHistory({ events: 30_000, seed: 4 }, satisfactionDaysProjection.eventTypes);
  return { store: await foldedStore(events), answers: events.length };
}

/** Events folded by both projections into one store ('answers' and 'days'), as the runner would. */
async function foldedStore(events: readonly RecordedEvent[]) {
  const store = new InMemoryReadStore();
  const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
  for (const [collection, projection] of [
    ['answers', satisfactionResponsesProjection],
    ['days', satisfactionDaysProjection],
  ] as const) {
    const folded = foldEvents(projection as unknown as AnyProjection, new Map(), events, compare);
    if (folded.failure) throw folded.failure.error;
    await store.transaction((tx) => {
      for (const [id, record] of folded.changed) if (record) tx.put(collection, id, record.doc, record.position);
    });
  }
  return store;
}

/** NPS answers given at these instants, as recorded events of the default tenant. */
const npsAnswers = (answers: readonly (readonly [respondedAt: string, score: number])[]) =>
  answers.map(
    ([respondedAt, score], i) =>
      ({
        type: 'SurveyResponseRecorded',
        streamId: `survey-response-r${i}`,
        revision: 0,
        position: String(i + 1),
        data: { responseId: `r${i}`, surveyType: 'nps', answers: { score }, respondent: { name: 'سارا رحیمی' }, respondedAt },
        metadata: { tenantId: 'default', eventId: `e${i}`, occurredAt: respondedAt },
      }) as unknown as RecordedEvent,
  );

describe('satisfaction per day', () => {
  it('sums a day’s answers per measure and score, and SERVQUAL per dimension, one document per tenant and business day', () => {
    const respondent = { name: 'سارا رحیمی' };
    const expectations = { tangibles: 6, reliability: 7, responsiveness: 5, assurance: 6, empathy: 7 };
    const perceptions = { ...expectations, empathy: 4 };
    const servqualSums = {
      'expectations.tangibles': 6,
      'perceptions.tangibles': 6,
      'expectations.reliability': 7,
      'perceptions.reliability': 7,
      'expectations.responsiveness': 5,
      'perceptions.responsiveness': 5,
      'expectations.assurance': 6,
      'perceptions.assurance': 6,
      'expectations.empathy': 7,
      'perceptions.empathy': 4,
    };
    const nps = (responseId: string, score: number, respondedAt: string) => ({
      type: 'SurveyResponseRecorded' as const,
      streamId: `survey-response-${responseId}`,
      data: { responseId, surveyType: 'nps' as const, answers: { score }, respondent, respondedAt },
    });
    projectionSpec(satisfactionDaysProjection)
      .given([
        // 01:30 and 03:29 on 21 March in Tehran (+03:30): the business day is 2025-03-21, not the UTC day.
        nps('s1', 9, '2025-03-20T22:00:00.000Z'),
        nps('s2', 9, '2025-03-20T23:59:59.999Z'),
        // Written with Tehran's offset: 03:00 on 21 March.
        nps('s3', 3, '2025-03-21T03:00:00+03:30'),
        {
          type: 'SurveyResponseRecorded',
          streamId: 'survey-response-s4',
          data: {
            responseId: 's4',
            surveyType: 'servqual',
            answers: { expectations, perceptions },
            respondent,
            respondedAt: '2025-03-20T10:00:00Z',
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
            submittedAt: '2025-03-21T10:00:00.000Z',
            status: 'submitted',
          },
        },
      ])
      .thenDocuments({
        'default:2025-03-20': {
          tenantId: 'default',
          day: '2025-03-20',
          month: '2025-03',
          jalaliMonth: '1403-12',
          counts: { servqual: { '-': 1 } },
          servqual: { responses: 1, sums: servqualSums },
        },
        'default:2025-03-21': {
          tenantId: 'default',
          day: '2025-03-21',
          month: '2025-03',
          jalaliMonth: '1404-01',
          counts: { nps: { '3': 1, '9': 2 }, praise: { '-': 1 } },
          servqual: { responses: 0, sums: {} },
        },
        // Beside the days, each calendar's months: March holds both days, the Jalali year turns between them.
        'default:~month:2025-03': {
          periodOf: 'default',
          bucket: 'month',
          period: '2025-03',
          counts: { servqual: { '-': 1 }, nps: { '3': 1, '9': 2 }, praise: { '-': 1 } },
          servqual: { responses: 1, sums: servqualSums },
        },
        'default:~jalali:1403-12': {
          periodOf: 'default',
          bucket: 'jalali',
          period: '1403-12',
          counts: { servqual: { '-': 1 } },
          servqual: { responses: 1, sums: servqualSums },
        },
        'default:~jalali:1404-01': {
          periodOf: 'default',
          bucket: 'jalali',
          period: '1404-01',
          counts: { nps: { '3': 1, '9': 2 }, praise: { '-': 1 } },
          servqual: { responses: 0, sums: {} },
        },
      });
  });

  it('splits a period into whole business days and the part-days at its edges', () => {
    expect(splitPeriod(undefined)).toEqual({ edges: [] });
    // Dates are Tehran's days: 1 March starts at 2025-02-28T20:30Z, 31 March ends at 2025-03-31T20:29:59.999Z.
    expect(splitPeriod(timeRange('2025-03-01', '2025-03-31'))).toEqual({ firstDay: '2025-03-01', endDay: '2025-04-01', edges: [] });
    // 13:30 on 1 March to 09:30 on 31 March in Tehran: the part-days end and start at Tehran's midnights (20:30 UTC).
    expect(splitPeriod(timeRange('2025-03-01T10:00:00Z', '2025-03-31T06:00:00Z'))).toEqual({
      firstDay: '2025-03-02',
      endDay: '2025-03-31',
      edges: [
        { gte: '2025-03-01T10:00:00.000Z', lt: '2025-03-01T20:30:00.000Z' },
        { gte: '2025-03-30T20:30:00.000Z', lte: '2025-03-31T06:00:00.000Z' },
      ],
    });
    // Within one day: only that day's answers between the two instants.
    expect(splitPeriod(timeRange('2025-03-01T10:00:00Z', '2025-03-01T12:00:00Z')).edges).toEqual([
      { gte: '2025-03-01T10:00:00.000Z', lte: '2025-03-01T12:00:00.000Z' },
    ]);
    // `to` at the last millisecond of a (Tehran) day covers that whole day.
    expect(splitPeriod(timeRange(undefined, '2025-03-31T20:29:59.999Z'))).toEqual({ endDay: '2025-04-01', edges: [] });
    // The last millisecond of the UTC day is 03:29:59.999 on 1 April in Tehran: a part of 1 April.
    expect(splitPeriod(timeRange(undefined, '2025-03-31T23:59:59.999Z'))).toEqual({
      endDay: '2025-04-01',
      edges: [{ gte: '2025-03-31T20:30:00.000Z', lte: '2025-03-31T23:59:59.999Z' }],
    });
    // Summer 2021 (Tehran on +04:30): 1 August starts at 19:30 UTC the day before.
    expect(splitPeriod(timeRange('2021-08-01', '2021-08-01'))).toEqual({ firstDay: '2021-08-01', endDay: '2021-08-02', edges: [] });
    expect(timeRange('2021-08-01')).toEqual({ gte: '2021-07-31T19:30:00.000Z' });
  });

  it('splits whole days into whole months of either calendar and the days around them', () => {
    expect(splitDaysByMonth('month', undefined, undefined)).toEqual({ months: {}, days: [] });
    expect(splitDaysByMonth('month', '2025-01-17', '2025-06-13')).toEqual({
      months: { gte: '2025-02', lte: '2025-05' },
      days: [
        { gte: '2025-01-17', lt: '2025-02-01' },
        { gte: '2025-06-01', lt: '2025-06-13' },
      ],
    });
    expect(splitDaysByMonth('month', '2025-03-01', '2025-04-01')).toEqual({ months: { gte: '2025-03', lte: '2025-03' }, days: [] });
    expect(splitDaysByMonth('month', '2025-03-02', '2025-03-30')).toEqual({ days: [{ gte: '2025-03-02', lt: '2025-03-30' }] });
    expect(splitDaysByMonth('month', '2025-03-15', undefined)).toEqual({
      months: { gte: '2025-04' },
      days: [{ gte: '2025-03-15', lt: '2025-04-01' }],
    });
    // Farvardin 1404 runs from 21 March to 20 April 2025 (business days).
    expect(splitDaysByMonth('jalali', '2025-03-21', '2025-04-21')).toEqual({ months: { gte: '1404-01', lte: '1404-01' }, days: [] });
    expect(splitDaysByMonth('jalali', undefined, '2025-04-10')).toEqual({
      months: { lte: '1403-12' },
      days: [{ gte: '2025-03-21', lt: '2025-04-10' }],
    });
  });

  describe('days and months of the business time zone (Asia/Tehran), not UTC', () => {
    let store: InMemoryReadStore;
    beforeAll(async () => {
      store = await foldedStore(
        npsAnswers([
          // 23:59:59.999 on 31 January in Tehran (+03:30): January, 12 Bahman 1403.
          ['2025-01-31T20:29:59.999Z', 0],
          // 00:30 on 1 February in Tehran: February (UTC still says 31 January).
          ['2025-01-31T21:00:00.000Z', 10],
          // 00:30 on 19 February in Tehran: 1 Esfand 1403 (UTC's day, 18 February, is 30 Bahman).
          ['2025-02-18T21:00:00.000Z', 9],
          // Summer 2021, Tehran then on +04:30: 23:59 on 31 July, then 00:15 on 1 August.
          ['2021-07-31T19:29:00.000Z', 8],
          ['2021-07-31T19:45:00.000Z', 10],
        ]),
      );
    });
    const both = async (bucket: SatisfactionBucket, at?: FieldCondition) => {
      const query = { tenantId: 'default', bucket, ...(at ? { at } : {}) };
      const answers = await readSatisfaction(store, 'answers', query);
      // The day and month sums answer the same.
      expect(await readSatisfactionByDay(store, { days: 'days', answers: 'answers' }, query)).toEqual(answers);
      return answers.periods.map((period) => [period.period, period.nps.responses, period.nps.score]);
    };

    it('keeps each answer in the day and months of its Tehran day', async () => {
      const days = await store.find<SatisfactionDayDoc>('days', { where: { tenantId: 'default' }, orderBy: [{ field: 'day' }] });
      expect(days.map(({ doc }) => [doc.day, doc.month, doc.jalaliMonth])).toEqual([
        ['2021-07-31', '2021-07', '1400-05'],
        ['2021-08-01', '2021-08', '1400-05'],
        ['2025-01-31', '2025-01', '1403-11'],
        ['2025-02-01', '2025-02', '1403-11'],
        ['2025-02-19', '2025-02', '1403-12'],
      ]);
    });

    it('counts an answer at 00:30 on 1 February in Tehran in February, and one at 00:15 on 1 August 2021 in August', async () => {
      expect(await both('month')).toEqual([
        ['2021-07', 1, 0],
        ['2021-08', 1, 100],
        ['2025-01', 1, -100],
        ['2025-02', 2, 100],
      ]);
      expect(await both('jalali')).toEqual([
        ['1400-05', 2, 50],
        ['1403-11', 2, 0],
        ['1403-12', 1, 100],
      ]);
    });

    it('reads date-only from/to as Tehran days', async () => {
      expect(await both('month', timeRange('2025-01-01', '2025-01-31'))).toEqual([['2025-01', 1, -100]]);
      expect(await both('month', timeRange('2025-02-01', '2025-02-28'))).toEqual([['2025-02', 2, 100]]);
      expect(await both('jalali', timeRange('2025-02-19'))).toEqual([['1403-12', 1, 100]]);
      expect(await both('month', timeRange('2021-08-01', '2021-08-31'))).toEqual([['2021-08', 1, 100]]);
      expect(await both('month', timeRange(undefined, '2021-07-31'))).toEqual([['2021-07', 1, 0]]);
    });
  });

  describe('on a seeded history, the day sums answer exactly what the answers do', () => {
    let seeded: Awaited<ReturnType<typeof seededStore>>;
    beforeAll(async () => {
      seeded = await seededStore();
    });

    const periods: readonly [string, FieldCondition | undefined][] = [
      ['all time', undefined],
      ['whole months', timeRange('2025-02-01', '2025-04-30')],
      ['from a date only', timeRange('2025-03-15')],
      ['to a date only', timeRange(undefined, '2025-03-15')],
      ['instants inside days at both edges', timeRange('2025-02-03T07:31:00Z', '2025-05-20T14:02:10.5Z')],
      ['two instants of one day', timeRange('2025-03-10T06:00:00Z', '2025-03-10T13:00:00Z')],
      ['an instant to midnight', timeRange('2025-03-10T06:00:00Z', '2025-03-12T00:00:00Z')],
      ['upside down', timeRange('2025-04-10', '2025-03-10')],
      ['a year', timeRange('2025-01-01', '2025-12-31')],
      ['mid-month to mid-month', timeRange('2025-01-17', '2025-06-12')],
      ['within one month, from its first day', timeRange('2025-03-01', '2025-03-19')],
    ];
    it.each(periods.flatMap(([name, at]) => (['month', 'jalali'] as SatisfactionBucket[]).map((bucket) => [name, bucket, at] as const)))(
      '%s, by %s',
      async (name, bucket, at) => {
        expect(seeded.answers).toBeGreaterThan(1_000);
        const query = { tenantId: 'default', bucket, ...(at ? { at } : {}) };
        const expected = await readSatisfaction(seeded.store, 'answers', query);
        if (at === undefined) {
          expect(expected.overall.nps.responses).toBeGreaterThan(100);
          // All time reads one document per period it answers with.
          const months = await seeded.store.find('days', { where: { periodOf: 'default', bucket } });
          expect(months.length).toBe(expected.periods.length);
        }
        // The history runs from January to mid-October 2025: ten months with answers, each read from its month document.
        if (name === 'a year') expect(expected.periods.length).toBeGreaterThanOrEqual(10);
        expect(await readSatisfactionByDay(seeded.store, { days: 'days', answers: 'answers' }, query)).toEqual(expected);
      },
    );

    it('answers from the days while a build without month documents serves', async () => {
      const days = await seeded.store.find('days', { where: { tenantId: 'default' } });
      const older = new InMemoryReadStore();
      await older.transaction((tx) => days.forEach((record) => tx.put('days', record.id, record.doc, record.position)));
      for (const bucket of ['month', 'jalali'] as const) {
        for (const at of [undefined, timeRange('2025-01-17', '2025-06-12')]) {
          const query = { tenantId: 'default', bucket, ...(at ? { at } : {}) };
          expect(await readSatisfactionByDay(older, { days: 'days', answers: 'answers' }, query)).toEqual(
            await readSatisfaction(seeded.store, 'answers', query),
          );
        }
      }
    });
  });
});
