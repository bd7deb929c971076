import type {
  ComplaintHandlingSatisfactionRecorded,
  FeedbackKind,
  FeedbackSubmitted,
  ServiceChannel,
  ServqualScores,
  SurveyResponseRecorded,
  SurveyType,
} from '@crm/service/domain';
import { BUSINESS_CALENDAR, zonedVersion } from '@crm/shared/kernel';
import { defineProjection, type RecordedOf, utcInstant } from '@crm/shared/read-model';

/** What one document measures: a survey type, a feedback kind, or satisfaction with a complaint's handling. */
export type SatisfactionMeasure = SurveyType | FeedbackKind | 'handling';

/** One answer (a survey response, a piece of feedback, a handling score) with the periods it falls in. */
export interface SatisfactionDoc {
  readonly tenantId: string;
  readonly measure: SatisfactionMeasure;
  /** The survey response, feedback or complaint it came from. */
  readonly sourceId: string;
  /** UTC, so period filters compare as strings. */
  readonly at: string;
  /** Gregorian 'YYYY-MM' of the business day (BUSINESS_CALENDAR: `CRM_BUSINESS_TIME_ZONE`, Asia/Tehran by default). */
  readonly month: string;
  /** Jalali 'YYYY-MM' of the business day (`BUSINESS_CALENDAR.jalaliMonth`), for reports bucketed by Jalali month. */
  readonly jalaliMonth: string;
  /**
   * When the answer was recorded (its event's `occurredAt`, UTC), which may be days after it was given (a paper survey
   * typed in later): the view as of a past day counts only the answers recorded by then.
   */
  readonly recordedAt: string;
  /** csat 1–5, nps 0–10, ces 1–7, handling 1–5; absent for servqual and feedback. */
  readonly score?: number;
  readonly expectations?: ServqualScores;
  readonly perceptions?: ServqualScores;
  readonly channel?: ServiceChannel;
  readonly campaignId?: string;
}

export const SATISFACTION_RESPONSES = 'satisfaction-responses';

export type SatisfactionEvent = SurveyResponseRecorded | FeedbackSubmitted | ComplaintHandlingSatisfactionRecorded;

/** The answer's instant (UTC), the months of its business day, Gregorian and Jalali, and when its event was recorded. */
function periodsOf(event: RecordedOf<SatisfactionEvent>, time: string) {
  const at = utcInstant(time);
  return {
    tenantId: event.metadata.tenantId,
    at,
    month: BUSINESS_CALENDAR.month(at),
    jalaliMonth: BUSINESS_CALENDAR.jalaliMonth(at),
    recordedAt: utcInstant(event.metadata.occurredAt),
  };
}

// Asked of one event for every document it touches, by both satisfaction projections: kept by event (events never
// change; neither do documents, so the answer may be one projection's document and the other's input).
const answers = new WeakMap<object, SatisfactionDoc>();

/** The answer an event records, with the periods it falls in. */
export function satisfactionAnswerOf(event: RecordedOf<SatisfactionEvent>): SatisfactionDoc {
  let answer = answers.get(event);
  if (answer === undefined) {
    answer = answerOf(event);
    answers.set(event, answer);
  }
  return answer;
}

function answerOf(event: RecordedOf<SatisfactionEvent>): SatisfactionDoc {
  switch (event.type) {
    case 'SurveyResponseRecorded': {
      const d = event.data;
      const answers =
        d.surveyType === 'servqual'
          ? { expectations: d.answers.expectations, perceptions: d.answers.perceptions }
          : { score: d.answers.score };
      const extras = {
        ...(d.channel === undefined ? {} : { channel: d.channel }),
        ...(d.campaignId === undefined ? {} : { campaignId: d.campaignId }),
      };
      return { ...periodsOf(event, d.respondedAt), measure: d.surveyType, sourceId: d.responseId, ...answers, ...extras };
    }
    case 'FeedbackSubmitted': {
      const d = event.data;
      return { ...periodsOf(event, d.submittedAt), measure: d.kind, sourceId: d.feedbackId, channel: d.channel };
    }
    case 'ComplaintHandlingSatisfactionRecorded': {
      const d = event.data;
      return { ...periodsOf(event, d.respondedAt ?? d.recordedAt), measure: 'handling', sourceId: d.complaintId, score: d.score };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function documentIdOf(event: RecordedOf<SatisfactionEvent>): string {
  const { tenantId } = event.metadata;
  switch (event.type) {
    case 'SurveyResponseRecorded':
      return `${tenantId}:survey:${event.data.responseId}`;
    case 'FeedbackSubmitted':
      return `${tenantId}:feedback:${event.data.feedbackId}`;
    // A complaint may be scored once per closing, so its stream revision tells the scores apart.
    case 'ComplaintHandlingSatisfactionRecorded':
      return `${tenantId}:handling:${event.data.complaintId}:${event.revision}`;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/**
 * ISO 10004 measurements, one document per answer: the satisfaction view groups and
 * sums them in the read store per period, so no query has to load every response.
 */
export const satisfactionResponsesProjection = defineProjection<SatisfactionDoc, SatisfactionEvent>({
  name: SATISFACTION_RESPONSES,
  // 2: months of the business day (Asia/Tehran by default), no longer of the UTC day.
  // 3: `recordedAt`, when the answer was recorded: the part-months of a period as of a past day (satisfaction.ts).
  version: zonedVersion(3), // in another zone than Asia/Tehran, a version of that zone's own (business-time.ts)
  readsOwnBuildsOnly: true, // its days are business days: another version's may be other days
  collection: 'satisfaction_responses',
  readsPersonalData: false,
  eventTypes: ['SurveyResponseRecorded', 'FeedbackSubmitted', 'ComplaintHandlingSatisfactionRecorded'],
  indexes: [['tenantId', 'at']],
  documentId: documentIdOf,
  // Answers are facts recorded once; a redelivered event finds its document already there.
  evolve: (doc, event) => doc ?? satisfactionAnswerOf(event),
});
