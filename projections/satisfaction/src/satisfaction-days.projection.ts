import { SERVQUAL_DIMENSIONS } from '@crm/service/domain';
import { BUSINESS_CALENDAR, zonedVersion } from '@crm/shared/kernel';
import {
  defineProjection,
  dueAtEveryLevel,
  ledgerContents,
  ledgerIdsOfDay,
  ledgerPrefix,
  type ProjectionSummary,
  type RecordedOf,
  type SummaryCell,
  type SummaryDoc,
} from '@crm/shared/read-model';
import {
  satisfactionAnswerOf,
  type SatisfactionDoc,
  type SatisfactionEvent,
  type SatisfactionMeasure,
} from './satisfaction-responses.projection';

/** The key of an answer without a score (SERVQUAL, feedback) in `counts`. */
export const NO_SCORE = '-';

/**
 * Every answer of one tenant given on one business day (BUSINESS_CALENDAR: `CRM_BUSINESS_TIME_ZONE`, Asia/Tehran by
 * default), summed: answers per measure and score, and SERVQUAL's expectation and perception sums. Gregorian and
 * Jalali months are both unions of business days, so a report sums whole days.
 */
export interface SatisfactionDayDoc {
  readonly tenantId: string;
  /** 'YYYY-MM-DD', the business day. */
  readonly day: string;
  readonly month: string;
  readonly jalaliMonth: string;
  /** measure → score (or NO_SCORE) → answers. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly servqual: { readonly responses: number; readonly sums: Readonly<Record<string, number>> };
}

/** The sums of a tenant's answers over one business month or Jalali month: what the all-time view reads, one per period. */
export interface SatisfactionMonthDoc {
  /** Not `tenantId`, so no query for a tenant's days meets a month. */
  readonly periodOf: string;
  readonly bucket: 'month' | 'jalali';
  /** 'YYYY-MM', of the Gregorian or the Jalali calendar. */
  readonly period: string;
  readonly counts: SatisfactionDayDoc['counts'];
  readonly servqual: SatisfactionDayDoc['servqual'];
}

export type SatisfactionSumsDoc = SatisfactionDayDoc | SatisfactionMonthDoc;

export const SATISFACTION_DAYS = 'satisfaction-days';

/** The ids an answer adds to: its business day's, that day's month's and its Jalali month's. */
export const satisfactionMonthId = (tenantId: string, bucket: SatisfactionMonthDoc['bucket'], period: string): string =>
  `${tenantId}:~${bucket}:${period}`;

function documentIds(event: RecordedOf<SatisfactionEvent>): readonly string[] {
  // Asked once for the batch and again for each of the three documents: kept by event, which never changes.
  let ids = idsOfEvent.get(event);
  if (ids === undefined) {
    const answer = satisfactionAnswerOf(event);
    ids = [
      `${answer.tenantId}:${BUSINESS_CALENDAR.day(answer.at)}`,
      satisfactionMonthId(answer.tenantId, 'month', answer.month),
      satisfactionMonthId(answer.tenantId, 'jalali', answer.jalaliMonth),
    ];
    idsOfEvent.set(event, ids);
  }
  return ids;
}
const idsOfEvent = new WeakMap<object, readonly string[]>();

function added<D extends SatisfactionSumsDoc>(day: D, answer: SatisfactionDoc): D {
  if (answer.measure === 'servqual') {
    const sums: Record<string, number> = { ...day.servqual.sums };
    for (const dimension of SERVQUAL_DIMENSIONS) {
      const expectation = `expectations.${dimension}`;
      const perception = `perceptions.${dimension}`;
      sums[expectation] = (sums[expectation] ?? 0) + (answer.expectations?.[dimension] ?? 0);
      sums[perception] = (sums[perception] ?? 0) + (answer.perceptions?.[dimension] ?? 0);
    }
    // SERVQUAL answers count under their measure too, as the per-answer groupings do.
    return { ...withCount(day, answer.measure, NO_SCORE), servqual: { responses: day.servqual.responses + 1, sums } };
  }
  return withCount(day, answer.measure, answer.score === undefined ? NO_SCORE : String(answer.score));
}

function withCount<D extends SatisfactionSumsDoc>(day: D, measure: SatisfactionMeasure, score: string): D {
  const byScore = day.counts[measure] ?? {};
  return { ...day, counts: { ...day.counts, [measure]: { ...byScore, [score]: (byScore[score] ?? 0) + 1 } } };
}

const isDayDoc = (doc: SatisfactionSumsDoc): doc is SatisfactionDayDoc => 'tenantId' in doc;

/**
 * A day document's cells (month documents add none: the same answers would count twice), kept by document, which never
 * changes. Their dimensions: the months (Gregorian and Jalali) of the business day the answers were given on, so the
 * report lists the same periods as the day and month documents do, and either what was counted (`measure` and `score`,
 * NO_SCORE for none: `count` answers) or, with `sums: 'servqual'`, SERVQUAL's sums (`count` answers, and the sum of every
 * expectation and perception by its name in `SatisfactionDayDoc.servqual.sums`).
 */
function ledgerCells(doc: SatisfactionSumsDoc): readonly SummaryCell[] {
  if (!isDayDoc(doc)) return [];
  let cells = cellsOfDay.get(doc);
  if (cells === undefined) {
    const { month, jalaliMonth } = doc;
    const found: SummaryCell[] = [];
    for (const [measure, byScore] of Object.entries(doc.counts)) {
      for (const [score, count] of Object.entries(byScore)) found.push({ dims: { month, jalaliMonth, measure, score }, values: { count } });
    }
    if (doc.servqual.responses > 0) {
      found.push({ dims: { month, jalaliMonth, sums: 'servqual' }, values: { count: doc.servqual.responses, ...doc.servqual.sums } });
    }
    cellsOfDay.set(doc, (cells = found));
  }
  return cells;
}
const cellsOfDay = new WeakMap<object, readonly SummaryCell[]>();

/**
 * The dated ledger of a tenant's answers (libs/shared/read-model/src/as-of-ledger.ts, `{tenant}:~asof:{date}`): each
 * answer's change of its day document, in the ledger documents (year, month, day) of the business day its event was
 * recorded on (`metadata.occurredAt`, not the day the answer was given: a paper survey typed in later counts from the
 * day it was typed in); the view as of a past day sums it through that day (readSatisfactionAsOf). Answers are only
 * ever added (no event of the three takes one back or changes it), so each ledger cell only grows; were one taken back,
 * its removal would count on the day it was recorded, as an as-of view wants.
 */
const satisfactionLedger: ProjectionSummary<SatisfactionSumsDoc, SatisfactionEvent> = {
  documentId: (event) => ledgerIdsOfDay(ledgerPrefix(event.metadata.tenantId), BUSINESS_CALENDAR.day(event.metadata.occurredAt)),
  cells: ledgerCells,
  // Each level (every year, every month, every day) holds every answer once: each is checked against the documents.
  total: {
    of: (summaries: ReadonlyMap<string, SummaryDoc>) => ledgerContents(summaries, (doc) => Object.values(doc.cells)).cells,
    ofCells: dueAtEveryLevel,
  },
};

/**
 * Satisfaction per tenant and business day, and per month of either calendar, kept as
 * answers arrive: the satisfaction view reads one document per day of its period,
 * or without a period one per month, whatever the number of answers.
 * Each answer is recorded by exactly one event (its stream refuses a second), and
 * the runner skips an event at or before a document's position, so sums never
 * count an answer twice.
 */
export const satisfactionDaysProjection = defineProjection<SatisfactionSumsDoc, SatisfactionEvent>({
  name: SATISFACTION_DAYS,
  // 2: month documents (Gregorian and Jalali) beside the days. 3: business days and months (Asia/Tehran by default), not UTC's.
  // 4: the dated ledger (`summary`) the view as of a past day reads.
  version: zonedVersion(4), // in another zone than Asia/Tehran, a version of that zone's own (business-time.ts)
  readsOwnBuildsOnly: true, // its days are business days: another version's may be other days
  collection: 'satisfaction_days',
  readsPersonalData: false,
  eventTypes: ['SurveyResponseRecorded', 'FeedbackSubmitted', 'ComplaintHandlingSatisfactionRecorded'],
  indexes: [
    ['tenantId', 'day'],
    ['periodOf', 'bucket', 'period'],
  ],
  documentId: documentIds,
  summary: satisfactionLedger,
  evolve(doc, event, id) {
    const answer = satisfactionAnswerOf(event);
    const [dayId, monthId] = documentIds(event);
    if (id !== dayId) {
      const bucket = id === monthId ? 'month' : 'jalali';
      const month = doc ?? {
        periodOf: answer.tenantId,
        bucket,
        period: bucket === 'month' ? answer.month : answer.jalaliMonth,
        counts: {},
        servqual: { responses: 0, sums: {} },
      };
      return added(month, answer);
    }
    const day = doc ?? {
      tenantId: answer.tenantId,
      day: BUSINESS_CALENDAR.day(answer.at),
      month: answer.month,
      jalaliMonth: answer.jalaliMonth,
      counts: {},
      servqual: { responses: 0, sums: {} },
    };
    return added(day, answer);
  },
});
