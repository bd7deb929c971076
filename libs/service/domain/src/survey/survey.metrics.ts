import { onScale, SERVQUAL_DIMENSIONS, SURVEY_SCALES, type ServqualAnswers, type ServqualDimension } from './survey.answers';

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

// Read models only see scores the decider accepted; anything else is a bug worth failing loudly on.
function requireOnScale(score: number, type: keyof typeof SURVEY_SCALES): void {
  const scale = SURVEY_SCALES[type];
  if (!onScale(score, scale)) throw new RangeError(`${type} score must be an integer from ${scale.min} to ${scale.max}, got ${score}`);
}

/** Promoters 9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors. */
export function npsCategory(score: number): NpsCategory {
  requireOnScale(score, 'nps');
  if (score >= 9) return 'promoter';
  return score >= 7 ? 'passive' : 'detractor';
}

/** CSAT counts the share of 4s and 5s on the 1–5 scale. */
export function isCsatSatisfied(score: number): boolean {
  requireOnScale(score, 'csat');
  return score >= 4;
}

/** Perception − expectation per dimension: negative where the service fell short of what was expected. */
export function servqualGaps(answers: ServqualAnswers): Readonly<Record<ServqualDimension, number>> {
  const gap = (dimension: ServqualDimension) => answers.perceptions[dimension] - answers.expectations[dimension];
  const gaps = SERVQUAL_DIMENSIONS.map((dimension) => [dimension, gap(dimension)] as const);
  return Object.fromEntries(gaps) as Record<ServqualDimension, number>;
}
