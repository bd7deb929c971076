import { recordedDemoHistory } from '@crm/demo-data';
import { InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import { type AnyProjection, type FieldCondition, InMemoryReadStore, timeRange } from '@crm/shared/read-model';
import { ProjectionRunner } from '@crm/projections/runtime';
import { foldInBatches } from '@crm/projections/testing';
import { readSatisfaction, readSatisfactionAsOf, readSatisfactionByDay, type SatisfactionBucket } from './satisfaction';
import { SATISFACTION_DAYS, satisfactionDaysProjection } from './satisfaction-days.projection';
import { SATISFACTION_RESPONSES, satisfactionResponsesProjection } from './satisfaction-responses.projection';

const DAY_MS = 86_400_000;
const PROJECTIONS = [satisfactionResponsesProjection, satisfactionDaysProjection] as unknown as AnyProjection[];
const DAYS = satisfactionDaysProjection.collection;
const ANSWERS = satisfactionResponsesProjection.collection;
const LIVE = { days: DAYS, answers: ANSWERS };
const BUCKETS: readonly SatisfactionBucket[] = ['month', 'jalali'];

/** The first instant after business day `day`: an event recorded before it was recorded by the end of that day. */
const after = (day: string) => new Date(BUSINESS_CALENDAR.dayEnd(day) + 1).toISOString();
/** The last day of the Gregorian month holding `day`. */
const lastDayOfMonth = (day: string) => new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 0)).toISOString().slice(0, 10);
const shiftDay = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * The answer an event records, given `back` days (and some hours) before it was recorded, as a paper survey typed in
 * later is: the event keeps its `occurredAt`, its answer says it was given earlier.
 */
function givenEarlier(event: RecordedEvent, back: number): RecordedEvent {
  const data = event.data as Record<string, unknown>;
  const field = event.type === 'FeedbackSubmitted' ? 'submittedAt' : 'respondedAt';
  const given = (data[field] ?? data['recordedAt']) as string;
  return { ...event, data: { ...data, [field]: new Date(Date.parse(given) - back * DAY_MS - 5 * 3_600_000).toISOString() } };
}

/** When an answer says it was given. */
function givenAt(event: RecordedEvent): string {
  const data = event.data as Record<string, string | undefined>;
  return (event.type === 'FeedbackSubmitted' ? data['submittedAt'] : (data['respondedAt'] ?? data['recordedAt'])) as string;
}

/** An answer recorded in a later month than the one it was given in. */
const recordedMonthsLater = (event: RecordedEvent) =>
  BUSINESS_CALENDAR.month(givenAt(event)) < BUSINESS_CALENDAR.month(event.metadata.occurredAt);

/** A seeded history's answers, every fifth one recorded 1 to 40 days after it was given, in an event store. */
async function seededEventStore() {
  const events = recordedDemoHistory({ events: 20_000, seed: 11 }, satisfactionDaysProjection.eventTypes).map((event, i) =>
    i % 5 === 0 ? givenEarlier(event, 1 + (i % 40)) : event,
  );
  const store = new InMemoryEventStore();
  for (const event of events) {
    const { prevHash: _prev, hash: _hash, ...metadata } = event.metadata;
    await store.appendToStream(event.streamId, [{ type: event.type, data: event.data, metadata }], { tenantId: event.metadata.tenantId });
  }
  const recorded: RecordedEvent[] = [];
  for (let after: string | undefined, end = false; !end;) {
    const slice = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
    recorded.push(...slice.events);
    [after, end] = [slice.checkpoint, slice.isEnd];
  }
  return { store, events: recorded };
}

describe('satisfaction as of a past business day, from the dated ledger', () => {
  let events: readonly RecordedEvent[];
  let live: InMemoryReadStore;
  let runner: ProjectionRunner;
  let travelled: InMemoryReadStore;
  let builds = 0;

  beforeAll(async () => {
    const seeded = await seededEventStore();
    events = seeded.events;
    // The serving build, folded batch by batch as the runner does.
    live = await foldInBatches(PROJECTIONS, events, 250);
    travelled = new InMemoryReadStore();
    runner = new ProjectionRunner({ eventStore: seeded.store, readStore: travelled, projections: PROJECTIONS });
  });

  /**
   * Both projections built as they stood at the end of `day` (timeTravel), and the report the view gives from them over
   * the period `at` (none: every period).
   */
  async function travelledReport(day: string, bucket: SatisfactionBucket, at?: FieldCondition) {
    builds += 1;
    const [answers, days] = [`satisfaction_answers_asof_${builds}`, `satisfaction_days_asof_${builds}`];
    await runner.rebuildAsOf({ name: SATISFACTION_RESPONSES, until: { occurredBefore: after(day) }, target: answers });
    await runner.rebuildAsOf({ name: SATISFACTION_DAYS, until: { occurredBefore: after(day) }, target: days });
    const query = { tenantId: 'default', bucket, ...(at === undefined ? {} : { at }) };
    const report = await readSatisfactionByDay(travelled, { answers, days }, query);
    // The answers one by one say the same.
    expect(await readSatisfaction(travelled, answers, query)).toEqual(report);
    return report;
  }

  const dayOf = (event: RecordedEvent) => BUSINESS_CALENDAR.day(event.metadata.occurredAt);
  const recordedDays = () => [...new Set(events.map(dayOf))].sort();

  it('has answers recorded days after they were given, in months before the day they were recorded on', () => {
    expect(events.length).toBeGreaterThan(1_000);
    const late = events.filter(recordedMonthsLater);
    expect(late.length).toBeGreaterThan(50);
  });

  it('equals, as of each day, the report of a build from the events recorded by its end (time travel)', async () => {
    const days = recordedDays();
    const first = days[0] as string;
    const last = days[days.length - 1] as string;
    // A day on which answers given earlier (every fifth, 1–40 days before) were recorded, in another month.
    const late = events.find(recordedMonthsLater);
    expect(late).toBeDefined();
    const cases: readonly [string, string][] = [
      ['before the first answer', shiftDay(first, -1)],
      ['the first day', first],
      ['mid-history', days[Math.floor(days.length / 2)] as string],
      ['a day with answers recorded late, given in an earlier month', dayOf(late as RecordedEvent)],
      ['the last day of a month', lastDayOfMonth(days[Math.floor(days.length / 3)] as string)],
      ['the last day of a Jalali year (29 Esfand 1403)', '2025-03-20'],
      ['the last day', last],
      ['after the last answer, the next year', `${Number(last.slice(0, 4)) + 1}-02-01`],
    ];
    for (const [name, day] of cases) {
      for (const bucket of BUCKETS) {
        const expected = await travelledReport(day, bucket);
        const answered = await readSatisfactionAsOf(live, LIVE, { tenantId: 'default', bucket, day });
        expect([name, bucket, answered]).toEqual([name, bucket, expected]);
        if (day < first) expect(answered.periods).toEqual([]);
        else expect(answered.overall.csat.responses).toBeGreaterThan(0);
        // Not the answers given by the end of the day: those recorded later are not counted yet.
        if (name.startsWith('mid-history')) {
          const given = await readSatisfactionByDay(live, LIVE, { tenantId: 'default', bucket, at: timeRange(undefined, day) });
          expect(answered.overall.csat.responses).toBeLessThan(given.overall.csat.responses);
        }
        if (day >= last) expect(answered).toEqual(await readSatisfactionByDay(live, LIVE, { tenantId: 'default', bucket }));
      }
    }
  }, 120_000);

  it('over a period, equals the report over that period of a build from the events recorded by the end of the day', async () => {
    const days = recordedDays();
    const late = events.filter(recordedMonthsLater);
    // A day on which answers given in earlier months were recorded, and the span of months before it.
    const day = dayOf(late[Math.floor(late.length / 2)] as RecordedEvent);
    const monthsBack = (months: number) => {
      const date = new Date(Date.parse(`${day}T00:00:00Z`));
      date.setUTCMonth(date.getUTCMonth() - months);
      return date.toISOString().slice(0, 10);
    };
    const periods: readonly [string, string | undefined, string | undefined][] = [
      // Whole Gregorian months only (part-months in the Jalali calendar).
      ['whole months', `${monthsBack(4).slice(0, 7)}-01`, lastDayOfMonth(monthsBack(1))],
      // Part-months at both edges, and the month of the day itself, of which only what was recorded by then counts.
      ['part-months at both edges', shiftDay(monthsBack(3), 9), shiftDay(day, 3)],
      // Instants inside a day at both edges (Tehran's 13:10 and 09:20): part-days as well.
      ['instants inside days', `${monthsBack(2)}T09:40:00.000Z`, `${shiftDay(day, -5)}T05:50:00.000Z`],
      ['from alone', shiftDay(monthsBack(2), 11), undefined],
      ['to alone', undefined, shiftDay(monthsBack(1), 17)],
      ['within one part-day', `${shiftDay(day, -1)}T04:00:00.000Z`, `${shiftDay(day, -1)}T12:00:00.000Z`],
      ['a period before the first answer', shiftDay(days[0] as string, -60), shiftDay(days[0] as string, -2)],
    ];
    for (const [name, from, to] of periods) {
      const at = timeRange(from, to) as FieldCondition;
      for (const bucket of BUCKETS) {
        const expected = await travelledReport(day, bucket, at);
        const answered = await readSatisfactionAsOf(live, LIVE, { tenantId: 'default', bucket, day, at });
        expect([name, bucket, answered]).toEqual([name, bucket, expected]);
        if (!name.startsWith('a period before')) expect(answered.overall.csat.responses).toBeGreaterThan(0);
        // The answers given in the period but recorded after the day are not counted: the view today counts more.
        if (name === 'part-months at both edges') {
          const today = await readSatisfactionByDay(live, LIVE, { tenantId: 'default', bucket, at });
          expect(answered.overall.csat.responses).toBeLessThan(today.overall.csat.responses);
        }
      }
    }
  }, 120_000);

  it('answers for another tenant nothing of this one’s', async () => {
    const report = await readSatisfactionAsOf(live, LIVE, { tenantId: 'other', bucket: 'month', day: '2030-01-01' });
    expect(report.periods).toEqual([]);
    expect(report.overall.csat.responses).toBe(0);
  });
});

describe('an answer recorded on day 10, given on day 3', () => {
  // Tehran's days (+03:30): given at 10:00 on 3 March 2025, typed in at 11:00 on 10 March; another given and recorded on 4 March.
  const answer = (id: string, score: number, respondedAt: string, occurredAt: string, position: number): RecordedEvent =>
    ({
      type: 'SurveyResponseRecorded',
      streamId: `survey-response-${id}`,
      revision: 0,
      position: String(position),
      data: { responseId: id, surveyType: 'csat', answers: { score }, respondent: { name: 'سارا رحیمی' }, respondedAt },
      metadata: { tenantId: 'default', eventId: `e-${id}`, occurredAt, prevHash: '', hash: '' },
    }) as unknown as RecordedEvent;
  let store: InMemoryReadStore;
  beforeAll(async () => {
    store = await foldInBatches(
      PROJECTIONS,
      [
        answer('on-time', 2, '2025-03-04T06:30:00.000Z', '2025-03-04T06:31:00.000Z', 1),
        answer('paper', 5, '2025-03-03T06:30:00.000Z', '2025-03-10T07:30:00.000Z', 2),
      ],
      1,
    );
  });
  const asOf = async (day: string) => {
    const report = await readSatisfactionAsOf(store, { days: DAYS, answers: ANSWERS }, { tenantId: 'default', bucket: 'month', day });
    return report.periods.map((period) => [period.period, period.csat.responses, period.csat.satisfied]);
  };

  it('is absent as of day 5, though given before it, and present, in its own month, as of day 10', async () => {
    expect(await asOf('2025-03-02')).toEqual([]);
    expect(await asOf('2025-03-03')).toEqual([]);
    expect(await asOf('2025-03-05')).toEqual([['2025-03', 1, 0]]);
    expect(await asOf('2025-03-09')).toEqual([['2025-03', 1, 0]]);
    expect(await asOf('2025-03-10')).toEqual([['2025-03', 2, 1]]);
    expect(await asOf('2026-01-01')).toEqual([['2025-03', 2, 1]]);
  });

  it('keeps the change in the ledger documents of the day it was recorded, not of the day it was given', async () => {
    const ids = (
      await store.getMany(DAYS, ['default:~asof:2025-03-03', 'default:~asof:2025-03-10', 'default:~asof:2025-03', 'default:~asof:2025'])
    ).keys();
    expect([...ids].sort()).toEqual(['default:~asof:2025', 'default:~asof:2025-03', 'default:~asof:2025-03-10']);
  });
});
