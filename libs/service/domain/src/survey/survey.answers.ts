/** ISO 10004 measures: CSAT, NPS, CES and the SERVQUAL expectation-vs-perception gap. */
export const SURVEY_TYPES = ['csat', 'nps', 'ces', 'servqual'] as const;
export type SurveyType = (typeof SURVEY_TYPES)[number];

export const SERVQUAL_DIMENSIONS = ['tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy'] as const;
export type ServqualDimension = (typeof SERVQUAL_DIMENSIONS)[number];

export interface ScoreAnswers {
  readonly score: number;
}
export type ServqualScores = Readonly<Record<ServqualDimension, number>>;
export interface ServqualAnswers {
  readonly expectations: ServqualScores;
  readonly perceptions: ServqualScores;
}
export type SurveyAnswers = ScoreAnswers | ServqualAnswers;

/** Answers as recorded, paired with the survey type that gives them meaning. */
export type TypedAnswers =
  | { readonly surveyType: 'csat'; readonly answers: ScoreAnswers }
  | { readonly surveyType: 'nps'; readonly answers: ScoreAnswers }
  | { readonly surveyType: 'ces'; readonly answers: ScoreAnswers }
  | { readonly surveyType: 'servqual'; readonly answers: ServqualAnswers };

export interface Scale {
  readonly min: number;
  readonly max: number;
}

/** Integer scales per type (DESIGN.md "Analytics definitions"). */
export const SURVEY_SCALES: Readonly<Record<SurveyType, Scale>> = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
  ces: { min: 1, max: 7 },
  servqual: { min: 1, max: 7 },
};

export function onScale(value: number, scale: Scale): boolean {
  return Number.isInteger(value) && value >= scale.min && value <= scale.max;
}
