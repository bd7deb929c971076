import { DomainError } from '@crm/shared/event-sourcing';
import {
  onScale,
  SERVQUAL_DIMENSIONS,
  SURVEY_SCALES,
  type ServqualDimension,
  type ServqualScores,
  type SurveyType,
  type TypedAnswers,
} from './survey.answers';
import { SURVEY_REFUSALS } from './survey.refusals';

/** A numeric leaf: its path, and the value when it is a number at all. */
interface Leaf {
  readonly path: string;
  readonly value: number;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Walks `value` against the expected keys, collecting every missing, extra or
 * non-numeric field, so one refusal lists them all instead of one per retry.
 */
function collect(
  value: unknown,
  path: string,
  keys: readonly string[],
  mismatches: string[],
): Readonly<Record<string, unknown>> | undefined {
  if (!isRecord(value)) {
    mismatches.push(path);
    return undefined;
  }
  for (const key of Object.keys(value)) if (!keys.includes(key)) mismatches.push(`${path}.${key}`);
  for (const key of keys) if (value[key] === undefined) mismatches.push(`${path}.${key}`);
  return value;
}

function numbers(value: unknown, path: string, keys: readonly string[], leaves: Leaf[], mismatches: string[]): void {
  const record = collect(value, path, keys, mismatches);
  if (!record) return;
  for (const key of keys) {
    const child = record[key];
    if (child === undefined) continue;
    if (typeof child === 'number') leaves.push({ path: `${path}.${key}`, value: child });
    else mismatches.push(`${path}.${key}`);
  }
}

/**
 * Answers come from outside (web forms, imported survey tools), so their shape is
 * checked here rather than trusted from the type: first that they fit the survey
 * type (SURVEY.ANSWERS_MISMATCH), then that every score is an integer on its scale
 * (SURVEY.SCORE_OUT_OF_RANGE). Details name each offending field path.
 */
export function checkedAnswers(surveyType: SurveyType, answers: unknown): TypedAnswers {
  const leaves: Leaf[] = [];
  const mismatches: string[] = [];
  if (surveyType === 'servqual') {
    const record = collect(answers, 'answers', ['expectations', 'perceptions'], mismatches);
    if (record) {
      for (const side of ['expectations', 'perceptions'] as const) {
        if (record[side] !== undefined) numbers(record[side], `answers.${side}`, SERVQUAL_DIMENSIONS, leaves, mismatches);
      }
    }
  } else {
    numbers(answers, 'answers', ['score'], leaves, mismatches);
  }
  if (mismatches.length > 0) {
    throw new DomainError(SURVEY_REFUSALS.ANSWERS_MISMATCH, `Answers do not fit a ${surveyType} survey: ${mismatches.join(', ')}`, {
      surveyType,
      fields: mismatches,
    });
  }
  const scale = SURVEY_SCALES[surveyType];
  const outOfRange = leaves.filter((leaf) => !onScale(leaf.value, scale)).map((leaf) => leaf.path);
  if (outOfRange.length > 0) {
    throw new DomainError(
      SURVEY_REFUSALS.SCORE_OUT_OF_RANGE,
      `${surveyType} scores are integers from ${scale.min} to ${scale.max}: ${outOfRange.join(', ')}`,
      { surveyType, fields: outOfRange, min: scale.min, max: scale.max },
    );
  }
  // Rebuilt from the checked leaves rather than cast, so nothing unchecked reaches the event.
  const value = (path: string) => leaves.find((leaf) => leaf.path === path)?.value ?? Number.NaN;
  if (surveyType !== 'servqual') return { surveyType, answers: { score: value('answers.score') } };
  const scores = (side: string): ServqualScores => {
    const score = (dimension: ServqualDimension) => value(`answers.${side}.${dimension}`);
    return {
      tangibles: score('tangibles'),
      reliability: score('reliability'),
      responsiveness: score('responsiveness'),
      assurance: score('assurance'),
      empathy: score('empathy'),
    };
  };
  return { surveyType, answers: { expectations: scores('expectations'), perceptions: scores('perceptions') } };
}
