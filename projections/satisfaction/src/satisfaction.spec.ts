import type { ServqualScores } from '@crm/service/domain';
import { InMemoryReadStore, timeRange } from '@crm/shared/read-model';
import type { SatisfactionDoc, SatisfactionMeasure } from './satisfaction-responses.projection';
import { readSatisfaction } from './satisfaction';

const C = 'satisfaction';
const MARCH = '2025-03-10T08:00:00.000Z';
const APRIL = '2025-04-10T08:00:00.000Z';

let n = 0;
function answer(measure: SatisfactionMeasure, at: string, fields: Partial<SatisfactionDoc> = {}, tenantId = 'default'): SatisfactionDoc {
  n += 1;
  return { tenantId, measure, sourceId: `r${n}`, at, month: at.slice(0, 7), jalaliMonth: `j${at.slice(0, 7)}`, recordedAt: at, ...fields };
}
const scored = (measure: SatisfactionMeasure, at: string, scores: readonly number[]) =>
  scores.map((score) => answer(measure, at, { score }));
const scores = (tangibles: number, reliability: number, responsiveness: number, assurance: number, empathy: number): ServqualScores => ({
  tangibles,
  reliability,
  responsiveness,
  assurance,
  empathy,
});

async function storeWith(docs: readonly SatisfactionDoc[]) {
  const store = new InMemoryReadStore();
  await store.transaction((tx) => docs.forEach((doc) => tx.put(C, `${doc.tenantId}:${doc.sourceId}`, doc)));
  return store;
}

const answers = [
  ...scored('nps', MARCH, [10, 9, 8, 6, 3]),
  ...scored('csat', MARCH, [5, 4]),
  ...scored('csat', APRIL, [3]),
  ...scored('ces', APRIL, [2, 3, 7]),
  ...scored('handling', APRIL, [4, 2]),
  answer('servqual', MARCH, { expectations: scores(6, 7, 5, 6, 7), perceptions: scores(5, 7, 5, 6, 4) }),
  answer('servqual', MARCH, { expectations: scores(4, 7, 5, 6, 7), perceptions: scores(5, 6, 6, 6, 4) }),
  answer('praise', MARCH),
  answer('praise', MARCH),
  answer('opinion', APRIL),
  // Another tenant's answers never count.
  answer('nps', MARCH, { score: 0 }, 'acme'),
];

const noServqual = { responses: 0, dimensions: null };
const noFeedback = { opinion: 0, idea: 0, praise: 0, total: 0 };

describe('satisfaction report', () => {
  it('computes CSAT, NPS, CES, SERVQUAL gaps, handling satisfaction and feedback counts per month and overall', async () => {
    const report = await readSatisfaction(await storeWith(answers), C, { tenantId: 'default', bucket: 'month' });
    const march = {
      period: '2025-03',
      csat: { responses: 2, satisfied: 2, percent: 100 },
      // [10, 9, 8, 6, 3]: 40 % promoters − 40 % detractors.
      nps: { responses: 5, promoters: 2, passives: 1, detractors: 2, score: 0 },
      ces: { responses: 0, mean: null },
      servqual: {
        responses: 2,
        dimensions: {
          tangibles: { expectation: 5, perception: 5, gap: 0 },
          reliability: { expectation: 7, perception: 6.5, gap: -0.5 },
          responsiveness: { expectation: 5, perception: 5.5, gap: 0.5 },
          assurance: { expectation: 6, perception: 6, gap: 0 },
          empathy: { expectation: 7, perception: 4, gap: -3 },
        },
      },
      complaintHandling: { responses: 0, mean: null },
      feedback: { opinion: 0, idea: 0, praise: 2, total: 2 },
    };
    const april = {
      period: '2025-04',
      csat: { responses: 1, satisfied: 0, percent: 0 },
      nps: { responses: 0, promoters: 0, passives: 0, detractors: 0, score: null },
      ces: { responses: 3, mean: 4 },
      servqual: noServqual,
      complaintHandling: { responses: 2, mean: 3 },
      feedback: { ...noFeedback, opinion: 1, total: 1 },
    };
    expect(report).toEqual({
      bucket: 'month',
      periods: [march, april],
      overall: {
        // 2 of 3 answers are 4 or 5.
        csat: { responses: 3, satisfied: 2, percent: 66.67 },
        nps: march.nps,
        ces: april.ces,
        servqual: march.servqual,
        complaintHandling: april.complaintHandling,
        feedback: { opinion: 1, idea: 0, praise: 2, total: 3 },
      },
    });
  });

  it('buckets by Jalali month on request', async () => {
    const report = await readSatisfaction(await storeWith(answers), C, { tenantId: 'default', bucket: 'jalali' });
    expect(report.periods.map((p) => [p.period, p.nps.responses, p.csat.responses])).toEqual([
      ['j2025-03', 5, 2],
      ['j2025-04', 0, 1],
    ]);
  });

  it('keeps to the period asked for; a date-only `to` includes that whole day', async () => {
    const store = await storeWith([...scored('nps', '2025-03-31T23:59:59.000Z', [10]), ...scored('nps', '2025-04-01T00:00:00.000Z', [0])]);
    // Both answers were given on 1 April in Tehran (03:29:59 and 03:30): `to=2025-03-31` ends at 2025-03-31T20:29:59.999Z.
    const march = await readSatisfaction(store, C, { tenantId: 'default', bucket: 'month', at: timeRange('2025-03-01', '2025-03-31') });
    expect(march.overall.nps).toEqual({ responses: 0, promoters: 0, passives: 0, detractors: 0, score: null });
    const april = await readSatisfaction(store, C, { tenantId: 'default', bucket: 'month', at: timeRange('2025-04-01T00:00:00Z') });
    expect(april.overall.nps.score).toBe(-100);
    const aprilFirst = await readSatisfaction(store, C, {
      tenantId: 'default',
      bucket: 'month',
      at: timeRange('2025-04-01', '2025-04-01'),
    });
    expect(aprilFirst.overall.nps).toEqual({ responses: 2, promoters: 1, passives: 0, detractors: 1, score: 0 });
  });

  it('reads a date-only `to` as the whole business day (Asia/Tehran): to its last millisecond, not UTC’s', async () => {
    const store = await storeWith([
      // 23:59:59.999 on 31 March in Tehran (+03:30).
      ...scored('nps', '2025-03-31T20:29:59.999Z', [10]),
      // 00:15 on 1 April in Tehran.
      ...scored('nps', '2025-03-31T20:45:00.000Z', [0]),
    ]);
    const march = await readSatisfaction(store, C, { tenantId: 'default', bucket: 'month', at: timeRange(undefined, '2025-03-31') });
    expect(march.overall.nps).toEqual({ responses: 1, promoters: 1, passives: 0, detractors: 0, score: 100 });
    const april = await readSatisfaction(store, C, { tenantId: 'default', bucket: 'month', at: timeRange('2025-04-01') });
    expect(april.overall.nps).toEqual({ responses: 1, promoters: 0, passives: 0, detractors: 1, score: -100 });
  });

  it('answers an empty period with nulls rather than zeros', async () => {
    const report = await readSatisfaction(await storeWith([]), C, { tenantId: 'default', bucket: 'month' });
    expect(report).toEqual({
      bucket: 'month',
      periods: [],
      overall: {
        csat: { responses: 0, satisfied: 0, percent: null },
        nps: { responses: 0, promoters: 0, passives: 0, detractors: 0, score: null },
        ces: { responses: 0, mean: null },
        servqual: noServqual,
        complaintHandling: { responses: 0, mean: null },
        feedback: noFeedback,
      },
    });
  });
});
