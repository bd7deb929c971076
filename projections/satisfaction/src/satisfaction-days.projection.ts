import { SERVQUAL_DIMENSIONS } from '@crm/service/domain';
import { defineProjection } from '@crm/shared/read-model';
import {
  satisfactionAnswerOf,
  type SatisfactionDoc,
  type SatisfactionEvent,
  type SatisfactionMeasure,
} from './satisfaction-responses.projection';

/** The key of an answer without a score (SERVQUAL, feedback) in `counts`. */
export const NO_SCORE = '-';

/**
 * Every answer of one tenant given on one UTC day, summed: answers per measure
 * and score, and SERVQUAL's expectation and perception sums. Gregorian and
 * Jalali months are both unions of UTC days, so a report sums whole days.
 */
export interface SatisfactionDayDoc {
  readonly tenantId: string;
  /** 'YYYY-MM-DD' (UTC). */
  readonly day: string;
  readonly month: string;
  readonly jalaliMonth: string;
  /** measure → score (or NO_SCORE) → answers. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly servqual: { readonly responses: number; readonly sums: Readonly<Record<string, number>> };
}

export const SATISFACTION_DAYS = 'satisfaction-days';

function added(day: SatisfactionDayDoc, answer: SatisfactionDoc): SatisfactionDayDoc {
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

function withCount(day: SatisfactionDayDoc, measure: SatisfactionMeasure, score: string): SatisfactionDayDoc {
  const byScore = day.counts[measure] ?? {};
  return { ...day, counts: { ...day.counts, [measure]: { ...byScore, [score]: (byScore[score] ?? 0) + 1 } } };
}

/**
 * Satisfaction per tenant and UTC day, kept as answers arrive: the satisfaction
 * view reads one document per day of its period, whatever the number of answers.
 * Each answer is recorded by exactly one event (its stream refuses a second), and
 * the runner skips an event at or before a document's position, so sums never
 * count an answer twice.
 */
export const satisfactionDaysProjection = defineProjection<SatisfactionDayDoc, SatisfactionEvent>({
  name: SATISFACTION_DAYS,
  version: 1,
  collection: 'satisfaction_days',
  eventTypes: ['SurveyResponseRecorded', 'FeedbackSubmitted', 'ComplaintHandlingSatisfactionRecorded'],
  indexes: [['tenantId', 'day']],
  documentId: (event) => `${event.metadata.tenantId}:${satisfactionAnswerOf(event).at.slice(0, 10)}`,
  evolve(doc, event) {
    const answer = satisfactionAnswerOf(event);
    const day = doc ?? {
      tenantId: answer.tenantId,
      day: answer.at.slice(0, 10),
      month: answer.month,
      jalaliMonth: answer.jalaliMonth,
      counts: {},
      servqual: { responses: 0, sums: {} },
    };
    return added(day, answer);
  },
});
